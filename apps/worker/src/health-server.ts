import Fastify, { LogController } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '@pipeline/core';

/** Each dependency readiness depends on, and whether it is usable now. */
export type ReadinessChecks = () => Readonly<Record<string, boolean>>;

/** True when every dependency is usable. */
export function allReady(checks: Readonly<Record<string, boolean>>): boolean {
  return Object.values(checks).every(Boolean);
}

/**
 * The worker's small HTTP surface for orchestrators and Prometheus: `/healthz` (the
 * process is up), `/readyz` (200 only while every check of `checks()` is true; otherwise
 * 503 with each dependency marked `up` or `down`, so the one at fault is named), `/metrics`.
 */
export function buildHealthServer(options: { logger: Logger; registry: Registry; checks: ReadinessChecks }) {
  // Probes and scrapes every few seconds: not worth a log line each.
  const app = Fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) });
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = options.checks();
    const ready = allReady(checks);
    const dependencies = Object.fromEntries(Object.entries(checks).map(([name, usable]) => [name, usable ? 'up' : 'down']));
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...dependencies });
  });
  app.get('/metrics', async (_request, reply) => {
    return reply.type(options.registry.contentType).send(await options.registry.metrics());
  });
  return app;
}

import Fastify, { LogController } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '@pipeline/core';

/**
 * The worker's small HTTP surface for orchestrators and Prometheus: `/healthz` (the
 * process is up), `/readyz` (200 only while `ready()`), `/metrics`.
 */
export function buildHealthServer(options: { logger: Logger; registry: Registry; ready: () => boolean }) {
  // Probes and scrapes every few seconds: not worth a log line each.
  const app = Fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) });
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = options.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_request, reply) => {
    return reply.type(options.registry.contentType).send(await options.registry.metrics());
  });
  return app;
}

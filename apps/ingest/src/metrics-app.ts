import Fastify, { LogController } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '@pipeline/core';
import { metricsRoute } from './metrics-route.ts';

export interface MetricsAppOptions {
  readonly registry: Registry;
  readonly logger: Logger;
}

/**
 * The ingest's second listener (METRICS_HOST:METRICS_PORT), serving only `GET /metrics`:
 * kept off the public webhook port so that the internals it shows (and the cost of
 * rendering them) are not open to anyone who can reach the webhooks.
 */
export function buildMetricsApp(options: MetricsAppOptions) {
  const app = Fastify({
    loggerInstance: options.logger,
    // Scrapes every few seconds would drown the webhook lines.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.register(metricsRoute, { registry: options.registry });
  return app;
}

import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface MetricsRouteOptions {
  readonly registry: Registry;
}

/** `GET /metrics`: the registry in Prometheus' text format. */
export function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions, done: (err?: Error) => void): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(text);
  });
  done();
}

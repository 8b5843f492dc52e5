import type { FastifyInstance } from 'fastify';
import type { Publisher } from '@pipeline/broker';

export interface ProbeRoutesOptions {
  readonly publisher: Pick<Publisher, 'ready'>;
}

/**
 * `GET /healthz` (liveness: 200 while the process answers) and `GET /readyz` (readiness:
 * 200 only while a publish could be confirmed, so a load balancer stops sending webhooks
 * to an instance whose broker is gone).
 */
export function probeRoutes(app: FastifyInstance, options: ProbeRoutesOptions, done: (err?: Error) => void): void {
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    if (options.publisher.ready) return { status: 'ready' };
    return reply.code(503).send({ status: 'not_ready', error: 'broker_unavailable' });
  });
  done();
}

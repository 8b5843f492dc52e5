import { startAppProcess, type AppProcess } from '../system/app-process.ts';
import { benchScript, type AppEntry } from '../system/app-entry.ts';
import type { BenchServices } from '../system/bench-services.ts';
import { freePort } from '../system/free-port.ts';
import { benchSecrets } from '../system/secrets.ts';

/** Starts baseline (a), the bare Fastify route, as a child process (`kind`: as the ingest runs). */
export async function startBareFastify(kind: AppEntry['kind']): Promise<AppProcess> {
  const port = await freePort();
  return startAppProcess({ name: 'bare-fastify', ...benchScript('baselines/bare-fastify-server', kind), env: { PORT: String(port) }, port });
}

/** Starts baseline (d), the Express handler from Stripe's docs, publishing to the bench's exchange. */
export async function startExpressHandler(services: BenchServices, kind: AppEntry['kind']): Promise<AppProcess> {
  const port = await freePort();
  return startAppProcess({
    name: 'express-handler',
    ...benchScript('baselines/express-handler-server', kind),
    env: { PORT: String(port), RABBITMQ_URL: services.rabbitmqUrl, EXCHANGE: services.broker.names.exchange, STRIPE_WEBHOOK_SECRET: benchSecrets.platform },
    port,
  });
}

import { startAppProcess, type AppProcess } from '../system/app-process.ts';
import type { AppEntry } from '../system/app-entry.ts';
import { workerRetryDelays, type BenchServices } from '../system/bench-services.ts';
import { freePort } from '../system/free-port.ts';
import { benchSecrets } from '../system/secrets.ts';

/** Extra Node flags for a child, e.g. `--cpu-prof` when profiling. */
export interface ChildOptions {
  readonly extraNodeArgs?: readonly string[];
  /** WORKER_PREFETCH for worker replicas; default the worker's own default. */
  readonly prefetch?: number;
}

/**
 * The product's ingest as a child process, on the bench's topology. LOG_LEVEL=warn as in a
 * loaded production; the port is chosen here and readiness read from `/readyz`.
 */
export async function startIngest(entry: AppEntry, services: BenchServices, options: ChildOptions = {}): Promise<AppProcess> {
  const port = await freePort();
  return startAppProcess({
    name: 'ingest',
    script: entry.script,
    nodeArgs: [...entry.nodeArgs, ...(options.extraNodeArgs ?? [])],
    env: {
      RABBITMQ_URL: services.rabbitmqUrl,
      TOPOLOGY_PREFIX: services.prefix,
      STRIPE_WEBHOOK_SECRET_PLATFORM: benchSecrets.platform,
      STRIPE_WEBHOOK_SECRET_CONNECT: benchSecrets.connect,
      PORT: String(port),
      HOST: '127.0.0.1',
      // Its /metrics listener: any free port, so it never meets a stack or another run's.
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    port,
  });
}

/**
 * One worker replica as a child process, with WORKER_PREFETCH at its default unless given. Subscription
 * events make no Stripe call, so STRIPE_API_BASE points nowhere. Readiness (`consuming`) is
 * read from its health server's `/readyz`, since LOG_LEVEL=warn hides the log line.
 */
export async function startWorkerReplica(entry: AppEntry, services: BenchServices, replica: number, options: ChildOptions = {}): Promise<AppProcess> {
  const port = await freePort();
  return startAppProcess({
    name: `worker-${replica}`,
    script: entry.script,
    nodeArgs: [...entry.nodeArgs, ...(options.extraNodeArgs ?? [])],
    env: {
      RABBITMQ_URL: services.rabbitmqUrl,
      DATABASE_URL: services.databaseUrl,
      TOPOLOGY_PREFIX: services.prefix,
      STRIPE_SECRET_KEY: benchSecrets.stripeKey,
      STRIPE_API_BASE: 'http://127.0.0.1:1',
      WORKER_RETRY_DELAYS: workerRetryDelays.env,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...(options.prefetch === undefined ? {} : { WORKER_PREFETCH: String(options.prefetch) }),
    },
    port,
  });
}

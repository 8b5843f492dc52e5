import { randomBytes } from 'node:crypto';
import { appEntries } from '@pipeline/testkit';
import type { StackConfig } from './config.ts';
import type { Services } from './ensure-services.ts';
import type { StartedChild, Supervisor } from './supervisor.ts';
import { waitReady } from './wait-ready.ts';


/** Where each running app listens. */
export interface RunningStack {
  readonly emulator: StartedChild;
  readonly workers: readonly StartedChild[];
  readonly ingest: StartedChild;
  /** The operator console and the token to log in with (CONSOLE_TOKEN, or one made for this start). */
  readonly console?: StartedChild & { readonly token: string };
}

const workerNames = (count: number): string[] => Array.from({ length: count }, (_unused, i) => `worker-${i + 1}`);

/**
 * Starts the ingest and, beside it, the Stripe emulator then the workers (pointed at it);
 * waits until the ingest and every worker answer `/readyz`. `baseEnv` is passed through to
 * every child (so e.g. PLATFORM_FEE_PERCENT or WORKER_PREFETCH reach the workers); the
 * variables the stack owns override it.
 */
export async function startStack(deps: {
  config: StackConfig;
  services: Services;
  baseEnv: Record<string, string | undefined>;
  supervisor: Supervisor;
}): Promise<RunningStack> {
  const { config, services, baseEnv, supervisor } = deps;
  const shared = { ...baseEnv, RABBITMQ_URL: services.rabbitmqUrl, TOPOLOGY_PREFIX: config.TOPOLOGY_PREFIX, LOG_LEVEL: config.LOG_LEVEL };

  const ingestEnv = {
    ...shared,
    STRIPE_WEBHOOK_SECRET_PLATFORM: config.STRIPE_WEBHOOK_SECRET_PLATFORM,
    STRIPE_WEBHOOK_SECRET_CONNECT: config.STRIPE_WEBHOOK_SECRET_CONNECT,
    PORT: String(config.INGEST_PORT),
    HOST: '127.0.0.1',
    METRICS_PORT: String(config.INGEST_METRICS_PORT),
    METRICS_HOST: '127.0.0.1',
  };
  const emulatorEnv = { ...baseEnv, PORT: String(config.EMULATOR_PORT), HOST: '127.0.0.1', LOG_LEVEL: config.LOG_LEVEL };
  const workerEnv = (index: number, emulatorUrl: string) => ({
    ...shared,
    DATABASE_URL: services.databaseUrl,
    STRIPE_SECRET_KEY: config.STRIPE_SECRET_KEY,
    STRIPE_API_BASE: emulatorUrl,
    // Port 0 stays 0 for every worker: each picks its own free port.
    METRICS_PORT: String(config.WORKER_METRICS_PORT === 0 ? 0 : config.WORKER_METRICS_PORT + index),
    METRICS_HOST: '127.0.0.1',
  });

  async function startEmulatorThenWorkers(): Promise<[StartedChild, StartedChild[]]> {
    const emulator = await supervisor.start({ name: 'stripe-emulator', entry: appEntries['stripe-emulator'].source, env: emulatorEnv });
    const workers = await Promise.all(
      workerNames(config.WORKERS).map((name, index) => supervisor.start({ name, entry: appEntries.worker.source, env: workerEnv(index, emulator.url) })),
    );
    return [emulator, workers];
  }

  const [ingest, [emulator, workers]] = await Promise.all([
    supervisor.start({ name: 'ingest', entry: appEntries.ingest.source, env: ingestEnv }),
    startEmulatorThenWorkers(),
  ]);
  await Promise.all([ingest, ...workers].map((child) => waitReady(new URL('/readyz', child.url).toString())));
  const token = config.CONSOLE_TOKEN ?? randomBytes(18).toString('base64url');
  const started = await supervisor.start({
    name: 'console',
    entry: appEntries.console.source,
    env: {
      ...shared,
      DATABASE_URL: services.databaseUrl,
      CONSOLE_PORT: String(config.CONSOLE_PORT),
      CONSOLE_HOST: '127.0.0.1',
      CONSOLE_TOKEN: token,
      CONSOLE_INGEST_URL: ingest.url,
      CONSOLE_WORKER_URLS: workers.map((worker) => worker.url).join(','),
    },
  });
  return { emulator, workers, ingest, console: { ...started, token } };
}

/** Stops the ingest first (no new events accepted), then the workers, then the emulator they call. */
export async function stopStack(supervisor: Supervisor, workerCount: number): Promise<void> {
  supervisor.beginStop();
  await supervisor.stop(['console', 'ingest']);
  await supervisor.stop(workerNames(workerCount));
  await supervisor.stop(['stripe-emulator']);
}

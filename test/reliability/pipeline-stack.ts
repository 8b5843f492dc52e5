import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { createTestBroker, createTestDatabase, startApp, startStripeEmulator, startTcpProxy, waitFor, type RunningProcess, type StripeEmulator, type TcpProxy, type TestBroker, type TestDatabase } from '@pipeline/testkit';

/** Retry delays short enough that a fault of a few seconds is retried, not parked: 200ms, then up to 8 s (15.7 s in all). */
export const workerRetryDelays = '200ms,500ms,1s,2s,4s,8s';
export const workerRetryDelaysMs = [200, 500, 1_000, 2_000, 4_000, 8_000] as const;

/** Obviously fake secrets, one per endpoint. */
export const webhookSecrets = {
  platform: 'whsec_test_platform_reliability_0000000000',
  connect: 'whsec_test_connect_reliability_0000000000',
} as const;

/** Where one ingest or worker of a test stack finds the rest. */
export interface StackEndpoints {
  readonly rabbitmqUrl: string;
  readonly topologyPrefix: string;
}

/** The ingest's environment in a test stack: fast 503s, its metrics on a free port. */
export function testIngestEnv(endpoints: StackEndpoints, port: number): Record<string, string> {
  return {
    RABBITMQ_URL: endpoints.rabbitmqUrl,
    TOPOLOGY_PREFIX: endpoints.topologyPrefix,
    STRIPE_WEBHOOK_SECRET_PLATFORM: webhookSecrets.platform,
    STRIPE_WEBHOOK_SECRET_CONNECT: webhookSecrets.connect,
    PORT: String(port),
    HOST: '127.0.0.1',
    // The ingest's /metrics listener: a free port, so runs and a local stack never collide.
    METRICS_PORT: '0',
    PUBLISH_TIMEOUT_MS: '1500',
    RETRY_AFTER_S: '1',
    LOG_LEVEL: 'info',
  };
}

/** A worker's environment in a test stack: short retries and Stripe timeouts, a test-mode key. */
export function testWorkerEnv(endpoints: StackEndpoints & { readonly databaseUrl: string; readonly stripeApiBase: string }): Record<string, string> {
  return {
    RABBITMQ_URL: endpoints.rabbitmqUrl,
    DATABASE_URL: endpoints.databaseUrl,
    TOPOLOGY_PREFIX: endpoints.topologyPrefix,
    STRIPE_SECRET_KEY: 'sk_test_fake_reliability_worker',
    STRIPE_API_BASE: endpoints.stripeApiBase,
    STRIPE_MAX_NETWORK_RETRIES: '0',
    STRIPE_API_TIMEOUT_MS: '1000',
    WORKER_RETRY_DELAYS: workerRetryDelays,
    WORKER_PREFETCH: '8',
    SHUTDOWN_TIMEOUT_MS: '3000',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
}

export interface ServiceUrls {
  readonly rabbitmqUrl: string;
  readonly databaseUrl: string;
  readonly templateDatabase: string;
}

/** A worker process and where its /metrics answer. */
export interface WorkerProcess {
  readonly name: string;
  readonly process: RunningProcess;
  readonly metricsUrl: string;
}

/**
 * The whole pipeline as separate processes: one ingest, N workers, the Stripe emulator,
 * with RabbitMQ and PostgreSQL reached through TCP proxies the test controls (the ingest's
 * broker link, the workers' broker links, the workers' database links, each its own).
 */
export interface PipelineStack {
  readonly broker: TestBroker;
  readonly db: TestDatabase;
  readonly emulator: StripeEmulator;
  readonly proxies: { readonly ingestBroker: TcpProxy; readonly workerBroker: TcpProxy; readonly workerDatabase: TcpProxy };
  /** The ingest's fixed address, the same across restarts, as Stripe's endpoint setting would be. */
  readonly ingestUrl: string;
  readonly ingest: RunningProcess | undefined;
  readonly workers: readonly WorkerProcess[];
  startIngest(): Promise<void>;
  /** SIGKILL: no shutdown hook runs, in-flight requests see their connection reset. */
  killIngest(): Promise<void>;
  /** Starts a worker; `envOverrides` (e.g. links of its own) replace the shared worker variables. */
  startWorker(envOverrides?: Readonly<Record<string, string>>): Promise<WorkerProcess>;
  /** SIGKILLs a worker; returns how many messages it was handling at that moment (-1: unknown). */
  killWorker(worker: WorkerProcess): Promise<number>;
  /** Messages the worker is handling now, from its /metrics. */
  inFlight(worker: WorkerProcess): Promise<number>;
  /** Writes every process's whole output to `file`, one section per process. */
  saveOutput(file: string): void;
  /** Stops every process (SIGTERM, then SIGKILL), the proxies, and drops the topology and the database. */
  stop(): Promise<void>;
}

/** Generous: on two busy cores a process from TypeScript source has been seen to take 15 s to start. */
const startTimeoutMs = 60_000;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

function targetOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

export interface StartStackOptions {
  readonly services: ServiceUrls;
  /**
   * Called when a process exits without the test asking it to: the stack then starts a
   * replacement, as a supervisor (systemd, Docker's restart policy) would, so one crash does
   * not hide what the rest of the run would show. Default: nothing is reported.
   */
  readonly onCrash?: (name: string, exit: number | string) => void;
  /** Extra variables for every worker. */
  readonly workerEnv?: Readonly<Record<string, string>>;
  /** Extra variables for the ingest. */
  readonly ingestEnv?: Readonly<Record<string, string>>;
}

export async function startPipelineStack(options: StartStackOptions): Promise<PipelineStack> {
  const { services } = options;
  const [broker, db, emulator] = await Promise.all([
    createTestBroker(services.rabbitmqUrl),
    createTestDatabase(services.databaseUrl, services.templateDatabase),
    startStripeEmulator(),
  ]);
  const [ingestBroker, workerBroker, workerDatabase] = await Promise.all([
    startTcpProxy({ target: targetOf(services.rabbitmqUrl) }),
    startTcpProxy({ target: targetOf(services.rabbitmqUrl) }),
    startTcpProxy({ target: targetOf(db.url) }),
  ]);
  const ingestPort = await freePort();
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const ingestEnv: Record<string, string> = {
    ...testIngestEnv({ rabbitmqUrl: ingestBroker.url(services.rabbitmqUrl), topologyPrefix: broker.prefix }, ingestPort),
    ...options.ingestEnv,
  };
  const workerEnv: Record<string, string> = {
    ...testWorkerEnv({
      rabbitmqUrl: workerBroker.url(services.rabbitmqUrl),
      databaseUrl: workerDatabase.url(db.url),
      topologyPrefix: broker.prefix,
      stripeApiBase: emulator.url,
    }),
    ...options.workerEnv,
  };

  let ingest: RunningProcess | undefined;
  const everyProcess: Array<{ name: string; process: RunningProcess }> = [];
  const workers: WorkerProcess[] = [];
  let workerCount = 0;
  // Processes the test stopped or killed on purpose; any other exit is a crash.
  const meantToStop = new Set<RunningProcess>();
  let stopping = false;

  function supervise(name: string, started: RunningProcess, restart: () => Promise<unknown>): void {
    void started.exited.then((exit) => {
      if (stopping || meantToStop.has(started)) return;
      options.onCrash?.(name, exit);
      restart().catch(() => undefined);
    });
  }

  async function startIngest(): Promise<void> {
    const started = startApp('apps/ingest/src/main.ts', ingestEnv);
    const name = `ingest#${everyProcess.filter((p) => p.name.startsWith('ingest')).length + 1}`;
    everyProcess.push({ name, process: started });
    ingest = started;
    supervise(name, started, startIngest);
    await waitFor(
      async () => {
        if (started.child.exitCode !== null) throw new Error(`the ingest exited:\n${started.output().slice(-2_000)}`);
        const response = await fetch(`${ingestUrl}/healthz`).catch(() => undefined);
        return response?.ok === true;
      },
      { timeoutMs: startTimeoutMs, what: 'the ingest to answer /healthz' },
    );
  }

  async function startWorker(envOverrides: Readonly<Record<string, string>> = {}): Promise<WorkerProcess> {
    workerCount += 1;
    const name = `worker#${workerCount}`;
    const started = startApp('apps/worker/src/main.ts', { ...workerEnv, ...envOverrides });
    everyProcess.push({ name, process: started });
    supervise(name, started, async () => {
      const index = workers.findIndex((worker) => worker.process === started);
      if (index >= 0) workers.splice(index, 1);
      await startWorker(envOverrides);
    });
    const listening = await started.waitForLog((line) => line.msg === 'listening', startTimeoutMs);
    const worker: WorkerProcess = { name, process: started, metricsUrl: `${String(listening.url)}/metrics` };
    workers.push(worker);
    return worker;
  }

  async function inFlight(worker: WorkerProcess): Promise<number> {
    const response = await fetch(worker.metricsUrl, { signal: AbortSignal.timeout(1_000) });
    const match = /^worker_messages_in_flight (\d+)/m.exec(await response.text());
    return match === null ? -1 : Number(match[1]);
  }

  return {
    broker,
    db,
    emulator,
    proxies: { ingestBroker, workerBroker, workerDatabase },
    ingestUrl,
    get ingest() {
      return ingest;
    },
    workers,
    startIngest,
    async killIngest() {
      const current = ingest;
      ingest = undefined;
      if (current === undefined) return;
      meantToStop.add(current);
      await current.stop('SIGKILL');
    },
    startWorker,
    inFlight,
    async killWorker(worker) {
      const holding = await inFlight(worker).catch(() => -1);
      meantToStop.add(worker.process);
      await worker.process.stop('SIGKILL');
      workers.splice(workers.indexOf(worker), 1);
      return holding;
    },
    saveOutput(file) {
      const sections = [{ name: 'stripe-emulator', process: emulator.process }, ...everyProcess];
      writeFileSync(file, sections.map(({ name, process }) => `===== ${name}\n${process.output()}`).join('\n'));
    },
    async stop() {
      stopping = true;
      await Promise.all(everyProcess.map(({ process }) => process.stop('SIGTERM', 5_000)));
      await Promise.all([ingestBroker.close(), workerBroker.close(), workerDatabase.close()]);
      await Promise.all([broker.cleanup([...workerRetryDelaysMs]), db.drop(), emulator.stop()]);
    },
  };
}

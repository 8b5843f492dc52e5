import { topologyNames } from '@pipeline/broker';
import { databaseTimeoutsOf, type Logger } from '@pipeline/core';
import { createPool, insertParkedEvent, recordFailure } from '@pipeline/db';
import { createStripeClient } from '@pipeline/stripe-events';
import type { Command } from './commands/command.ts';
import { commandRegistry } from './commands/registry.ts';
import type { WorkerConfig } from './config.ts';
import { ensureDatabaseMode } from './database-mode.ts';
import { startEventConsumer, type EventConsumer } from './consumer.ts';
import { watchDatabase } from './database-health.ts';
import { startDeadQueueDrainer, type DeadQueueDrainer } from './dead-queue-drainer.ts';
import { startReleaseSweep, type ReleaseSweep } from './funds/release-sweep.ts';
import { makeHandleDelivery } from './handle-delivery.ts';
import { buildHealthServer } from './health-server.ts';
import { createWorkerMetrics } from './metrics.ts';
import { makeProcessEvent } from './process-event.ts';

export interface Worker {
  /** Where /healthz, /readyz and /metrics answer. */
  readonly url: string;
  /** The consumer; not ready (and holding no message) until the database answered. */
  readonly consumer: EventConsumer;
  /** Resolves once the worker consumes (the database answered); rejects if that start failed. */
  readonly started: Promise<void>;
  /** Stops consuming, finishes in-flight messages (commit, then ack), closes everything. */
  stop(): Promise<void>;
}

/**
 * Builds and starts one worker: a pool (one connection per prefetched message, one for
 * failure records, one for the database ping, one for the release sweep), the Stripe client, the health server, and,
 * once the database answers a ping, the consumer and the release sweep of held transfers: a worker that cannot reach its database
 * takes no message (it would only fail it) and says so on /readyz. Resolves once the health
 * server listens; `started` once it consumes. `commands` defaults to the platform's registry.
 */
export async function startWorker(config: WorkerConfig, logger: Logger, commands: ReadonlyMap<string, Command> = commandRegistry): Promise<Worker> {
  const pool = createPool({
    url: config.DATABASE_URL,
    // One per prefetched message, and one each for failure records, the database ping, the
    // release sweep and the dead-queue drainer.
    max: config.WORKER_PREFETCH + 4,
    applicationName: 'stripe-pipeline-worker',
    timeouts: databaseTimeoutsOf(config),
    onError: (err) => {
      logger.warn({ err }, 'idle database connection failed');
    },
  });
  const stripe = createStripeClient({
    apiKey: config.STRIPE_SECRET_KEY,
    apiBase: config.STRIPE_API_BASE,
    timeoutMs: config.STRIPE_API_TIMEOUT_MS,
    maxNetworkRetries: config.STRIPE_MAX_NETWORK_RETRIES,
  });
  const database = watchDatabase({ pool, url: config.DATABASE_URL, intervalMs: config.WORKER_DATABASE_CHECK_INTERVAL_MS, logger });
  let consumer: EventConsumer | undefined;
  let sweep: ReleaseSweep | undefined;
  let drainer: DeadQueueDrainer | undefined;
  const parkEvent = (event: Parameters<typeof insertParkedEvent>[1]) => insertParkedEvent(pool, event);
  const checks = () => ({ broker: consumer?.ready ?? false, database: database.up });
  const metrics = createWorkerMetrics({ ready: () => consumer?.ready ?? false, inFlight: () => consumer?.inFlight ?? 0, databaseUp: () => database.up });
  const processEvent = makeProcessEvent({
    pool,
    stripe,
    commands,
    platformFeePercent: config.PLATFORM_FEE_PERCENT,
    livemode: config.livemode,
    onCommandRun: (command, seconds) => {
      metrics.commandDuration.observe({ command: command.name }, seconds);
    },
  });
  const names = topologyNames(config.TOPOLOGY_PREFIX);

  const health = buildHealthServer({ logger, registry: metrics.registry, checks });
  const url = await health.listen({ port: config.METRICS_PORT, host: config.METRICS_HOST });

  // State read after awaits: an object, so the compiler does not narrow it to its first value.
  const lifecycle = { stopping: false };
  const stopRequested = (): boolean => lifecycle.stopping;
  const started = (async () => {
    // untilUp rejects only when stop() was called first: a shutdown before the database
    // answered is no failure of the start.
    const answered = await database.untilUp().then(
      () => true,
      () => false,
    );
    if (!answered || lifecycle.stopping) return;
    // Before consuming anything: a worker of the other mode must not touch this database.
    await ensureDatabaseMode(pool, config.livemode);
    if (stopRequested()) return;
    // It pays with this worker's key, so it too waits for the mode claim.
    sweep = startReleaseSweep({
      pool,
      stripe,
      logger: logger.child({ component: 'release-sweep' }),
      intervalMs: config.TRANSFER_SWEEP_INTERVAL_MS,
      fundsRetryDelaysMs: config.TRANSFER_FUNDS_RETRY_DELAYS,
      releaseRetryDelaysMs: config.TRANSFER_RELEASE_RETRY_DELAYS,
    });
    consumer = await startEventConsumer({
      url: config.RABBITMQ_URL,
      names,
      retryDelaysMs: config.WORKER_RETRY_DELAYS,
      prefetch: config.WORKER_PREFETCH,
      logger,
      drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      handle: makeHandleDelivery({
        processEvent,
        recordFailure: (event, outcome, attempts, error) => recordFailure(pool, event, outcome, attempts, error),
        parkEvent,
        names,
        retryDelaysMs: config.WORKER_RETRY_DELAYS,
        metrics,
        logger,
      }),
    });
    if (stopRequested()) return;
    drainer = await startDeadQueueDrainer({ url: config.RABBITMQ_URL, names, logger, parkEvent });
  })();
  // Whoever awaits `started` sees its failure; a stop during start-up is no failure.
  started.catch(() => undefined);

  return {
    url,
    consumer: {
      get ready() {
        return consumer?.ready ?? false;
      },
      get inFlight() {
        return consumer?.inFlight ?? 0;
      },
      stop: async () => {
        await consumer?.stop();
      },
    },
    started,
    async stop() {
      lifecycle.stopping = true;
      await database.stop();
      await started.catch(() => undefined);
      await Promise.all([consumer?.stop(), sweep?.stop()]);
      await drainer?.stop();
      await health.close();
      await pool.end();
    },
  };
}

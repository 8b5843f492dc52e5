import { topologyNames } from '@pipeline/broker';
import type { Logger } from '@pipeline/core';
import { createPool, insertParkedEvent, recordFailure } from '@pipeline/db';
import { createStripeClient } from '@pipeline/stripe-events';
import type { Command } from './commands/command.ts';
import { commandRegistry } from './commands/registry.ts';
import type { WorkerConfig } from './config.ts';
import { startEventConsumer, type EventConsumer } from './consumer.ts';
import { startDeadQueueDrainer } from './dead-queue-drainer.ts';
import { makeHandleDelivery } from './handle-delivery.ts';
import { buildHealthServer } from './health-server.ts';
import { createWorkerMetrics } from './metrics.ts';
import { makeProcessEvent } from './process-event.ts';

export interface Worker {
  /** Where /healthz, /readyz and /metrics answer. */
  readonly url: string;
  readonly consumer: EventConsumer;
  /** Stops consuming, finishes in-flight messages (commit, then ack), closes everything. */
  stop(): Promise<void>;
}

/**
 * Builds and starts one worker: a pool (one connection per prefetched message, plus one
 * for failure records), the Stripe client, the consumer and the health server.
 * `commands` defaults to the platform's registry.
 */
export async function startWorker(config: WorkerConfig, logger: Logger, commands: ReadonlyMap<string, Command> = commandRegistry): Promise<Worker> {
  const pool = createPool({
    url: config.DATABASE_URL,
    // One per prefetched message, one for failure records, one for the dead-queue drainer.
    max: config.WORKER_PREFETCH + 2,
    applicationName: 'stripe-pipeline-worker',
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
  const probe = { ready: () => false, inFlight: () => 0 };
  const metrics = createWorkerMetrics({ ready: () => probe.ready(), inFlight: () => probe.inFlight() });
  const processEvent = makeProcessEvent({
    pool,
    stripe,
    commands,
    platformFeePercent: config.PLATFORM_FEE_PERCENT,
    onCommandRun: (command, seconds) => {
      metrics.commandDuration.observe({ command: command.name }, seconds);
    },
  });
  const names = topologyNames(config.TOPOLOGY_PREFIX);
  const consumer = await startEventConsumer({
    url: config.RABBITMQ_URL,
    names,
    retryDelaysMs: config.WORKER_RETRY_DELAYS,
    prefetch: config.WORKER_PREFETCH,
    logger,
    drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    handle: makeHandleDelivery({
      processEvent,
      recordFailure: (event, outcome, attempts, error) => recordFailure(pool, event, outcome, attempts, error),
      parkEvent: (event) => insertParkedEvent(pool, event),
      names,
      retryDelaysMs: config.WORKER_RETRY_DELAYS,
      metrics,
      logger,
    }),
  });
  const drainer = await startDeadQueueDrainer({ url: config.RABBITMQ_URL, names, logger, parkEvent: (event) => insertParkedEvent(pool, event) });
  probe.ready = () => consumer.ready;
  probe.inFlight = () => consumer.inFlight;

  const health = buildHealthServer({ logger, registry: metrics.registry, ready: () => consumer.ready });
  const url = await health.listen({ port: config.METRICS_PORT, host: config.METRICS_HOST });
  return {
    url,
    consumer,
    async stop() {
      await consumer.stop();
      await drainer.stop();
      await health.close();
      await pool.end();
    },
  };
}

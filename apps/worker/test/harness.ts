import { randomUUID } from 'node:crypto';
import { eventMessageProperties, routingKeyOf, type Endpoint } from '@pipeline/broker';
import { createLogger } from '@pipeline/core';
import type { Pool } from '@pipeline/db';
import { buildEvent, serializeEvent, stripeId, type BuildEventOptions } from '@pipeline/stripe-events';
import { waitFor, type StripeEmulator, type TestBroker } from '@pipeline/testkit';
import type Stripe from 'stripe';
import { loadConfig, type WorkerConfig } from '../src/config.ts';
import { startWorker, type Worker } from '../src/worker.ts';

/** A worker's environment for tests: its own topology, database and emulator; short retry delays. */
export function workerEnv(options: { broker: TestBroker; databaseUrl: string; emulator: StripeEmulator; rabbitmqUrl: string }): Record<string, string> {
  return {
    RABBITMQ_URL: options.rabbitmqUrl,
    DATABASE_URL: options.databaseUrl,
    TOPOLOGY_PREFIX: options.broker.prefix,
    STRIPE_SECRET_KEY: 'sk_test_fake_worker_key',
    STRIPE_API_BASE: options.emulator.url,
    STRIPE_MAX_NETWORK_RETRIES: '0',
    WORKER_RETRY_DELAYS: '300ms,600ms',
    WORKER_PREFETCH: '4',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
  };
}

/** A worker running in this test process (its own connection, pool and consumer), once it consumes. */
export async function startTestWorker(env: Record<string, string>, overrides: Record<string, string> = {}): Promise<Worker> {
  const config: WorkerConfig = loadConfig({ ...env, ...overrides });
  const worker = await startWorker(config, createLogger({ name: 'worker', level: config.LOG_LEVEL }));
  await waitFor(() => worker.consumer.ready, { what: 'the worker to consume' });
  return worker;
}

/** Publishes an event the way the ingest does, and waits for the broker's confirm. */
export async function publishEvent(broker: TestBroker, event: Stripe.Event, options: { body?: Buffer } = {}): Promise<void> {
  const endpoint: Endpoint = event.account ? 'connect' : 'platform';
  const envelope = { id: event.id, type: event.type, endpoint, account: event.account ?? undefined, livemode: event.livemode };
  const channel = await broker.connection.createConfirmChannel();
  // A channel error also rejects waitForConfirms; without a listener it would crash the run.
  channel.on('error', () => undefined);
  try {
    channel.publish(broker.names.exchange, routingKeyOf(envelope), options.body ?? Buffer.from(serializeEvent(event)), eventMessageProperties(envelope));
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
}

/** A connected host that can receive payouts, made through the pipeline's own `account.updated`. */
export function payableHostEvent(account = stripeId('acct', 16)): Stripe.Event {
  return buildEvent({ type: 'account.updated', account, object: { charges_enabled: true, payouts_enabled: true, details_submitted: true } });
}

/** Books `hours` of a host's workspace for a customer, as the booking side of the platform does. */
export async function book(pool: Pool, customer: string, host: string, hours: number, startsAt: Date): Promise<void> {
  await pool.query('INSERT INTO bookings (id, customer_id, host_account_id, hours, starts_at) VALUES ($1, $2, $3, $4, $5)', [
    `bk_${randomUUID()}`,
    customer,
    host,
    hours,
    startsAt,
  ]);
}

/** An `invoice.paid` for a customer over the last 30 days. */
export function invoicePaidEvent(customer: string, amountPaid: number, extra: Partial<BuildEventOptions> = {}): Stripe.Event {
  const now = Math.floor(Date.now() / 1000);
  return buildEvent({
    type: 'invoice.paid',
    ...extra,
    object: { customer, amount_paid: amountPaid, amount_due: amountPaid, period_start: now - 30 * 86_400, period_end: now + 60, ...extra.object },
  });
}

import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger, databaseTimeoutDefaults } from '@pipeline/core';
import { createPool, DatabaseLockTimeoutError, withEventTransaction } from '@pipeline/db';
import { stripeId } from '@pipeline/stripe-events';
import {
  createTestBroker,
  createTestDatabase,
  startApp,
  startStripeEmulator,
  startTcpProxy,
  waitFor,
  type StripeEmulator,
  type TcpProxy,
  type TestBroker,
  type TestDatabase,
} from '@pipeline/testkit';
import { loadConfig } from '../src/config.ts';
import { startWorker, type Worker } from '../src/worker.ts';
import { book, invoicePaidEvent, payableHostEvent, publishEvent, startTestWorker, workerEnv } from './harness.ts';

const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let env: Record<string, string>;
let host: string;
const cleanups: Array<() => Promise<void>> = [];

/** Small bounds, so a hung database shows within seconds. */
const bounds = {
  DATABASE_LOCK_TIMEOUT_MS: '2000',
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '3000',
  DATABASE_QUERY_TIMEOUT_MS: '3000',
  DATABASE_STATEMENT_TIMEOUT_MS: '2500',
  DATABASE_CONNECT_TIMEOUT_MS: '1000',
  WORKER_DATABASE_CHECK_INTERVAL_MS: '300',
  STRIPE_API_TIMEOUT_MS: '2000',
};

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase), startStripeEmulator()]);
  env = { ...workerEnv({ broker, databaseUrl: db.url, emulator, rabbitmqUrl: services.rabbitmqUrl }), ...bounds };
  const worker = await startTestWorker(env);
  const hostEvent = payableHostEvent();
  host = hostEvent.account!;
  await publishEvent(broker, hostEvent);
  await waitFor(async () => (await db.pool.query('SELECT 1 FROM hosts WHERE account_id = $1 AND payouts_enabled', [host])).rowCount === 1, { what: 'the host' });
  await worker.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await emulator.clearFaults();
});

afterAll(async () => {
  await Promise.all([broker.cleanup([300, 600]), db.drop(), emulator.stop()]);
});

async function proxyTo(url: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(url);
  const proxy = await startTcpProxy({ target: { host: hostname, port: Number(port) } });
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A worker in this process that is not waited for: it may never get to consume. */
async function launchWorker(overrides: Record<string, string>): Promise<Worker> {
  const config = loadConfig({ ...env, ...overrides });
  const worker = await startWorker(config, createLogger({ name: 'worker', level: config.LOG_LEVEL }));
  cleanups.push(() => worker.stop());
  return worker;
}

async function readiness(worker: Worker): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${worker.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function invoiceEvent() {
  const customer = stripeId('cus');
  await book(db.pool, customer, host, 3, new Date(Date.now() - 3_600_000));
  const event = invoicePaidEvent(customer, 10_000);
  return { event, invoiceId: (event.data.object as { id: string }).id };
}

async function eventRows(id: string) {
  const { rows } = await db.pool.query<{ outcome: string; attempts: number }>('SELECT outcome, attempts FROM stripe_events WHERE id = $1', [id]);
  return rows;
}

async function transfersOf(invoiceId: string) {
  const { rows } = await db.pool.query<{ status: string }>('SELECT status FROM host_transfers WHERE invoice_id = $1', [invoiceId]);
  return rows;
}

async function transferCalls(invoiceId: string) {
  return (await emulator.calls({ path: '/v1/transfers' })).filter((call) => call.method === 'POST' && call.params.transfer_group === invoiceId);
}

describe('database faults', () => {
  it('bounds the wait for an event held by another session with lock_timeout, as a lock timeout', async () => {
    const pool = createPool({ url: db.url, max: 2, timeouts: { ...databaseTimeoutDefaults, lockMs: 300 } });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = withEventTransaction(pool, 'evt_held_by_another', async () => {
        locked();
        await held;
      });
      await isLocked;
      const started = Date.now();
      const waiter = withEventTransaction(pool, 'evt_held_by_another', () => Promise.resolve());
      await expect(waiter).rejects.toBeInstanceOf(DatabaseLockTimeoutError);
      expect(Date.now() - started).toBeLessThan(2_000);
      release();
      await holder;
    } finally {
      await pool.end();
    }
  });

  it('does not consume while the database refuses connections, says so on /readyz, and consumes once it answers', async () => {
    const proxy = await proxyTo(db.url);
    proxy.pause();
    const { event, invoiceId } = await invoiceEvent();
    await publishEvent(broker, event);
    const worker = await launchWorker({ DATABASE_URL: proxy.url(db.url) });

    // Long enough for every retry of the old behaviour (300 ms, 600 ms) to have parked it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(worker.consumer.ready).toBe(false);
    expect(await broker.depth(broker.names.workQueue)).toBe(1);
    expect(await broker.depth(broker.names.deadQueue)).toBe(0);
    expect(await readiness(worker)).toEqual({ status: 503, body: { status: 'not ready', broker: 'down', database: 'down' } });

    proxy.resume();
    await worker.started;
    await waitFor(async () => (await eventRows(event.id))[0]?.outcome === 'processed', { timeoutMs: 10_000, what: 'the event to be processed' });
    expect(await eventRows(event.id)).toEqual([{ outcome: 'processed', attempts: 1 }]);
    expect(await transfersOf(invoiceId)).toEqual([{ status: 'paid' }]);
    await waitFor(async () => (await readiness(worker)).status === 200, { what: 'the worker to be ready' });
    expect((await readiness(worker)).body).toEqual({ status: 'ready', broker: 'up', database: 'up' });
  });

  it('tells, in each failed attempt\'s log line, that the worker waits for its database, naming it without the password', async () => {
    const proxy = await proxyTo(db.url);
    proxy.pause();
    const url = new URL(proxy.url(db.url));
    url.username = 'pipeline';
    url.password = 'not_a_real_password_example';
    const worker = startApp('apps/worker/src/main.ts', { ...env, DATABASE_URL: url.toString(), LOG_LEVEL: 'info' });
    cleanups.push(async () => {
      await worker.stop('SIGKILL');
    });
    const line = await worker.waitForLog((entry) => entry.msg === 'database not answering (DATABASE_URL); not consuming until it does', 60_000);
    expect(line.database).toBe(`${url.host}${url.pathname}`);
    await worker.waitForLog((entry) => entry.msg === 'listening', 10_000);
    expect(worker.output()).not.toContain('not_a_real_password_example');
    expect(worker.output()).not.toContain('"msg":"consuming"');
    // A shutdown while it waits is a clean one.
    expect(await worker.stop('SIGTERM')).toBe(0);
  });

  it('retries through a database outage mid-run without parking, then processes the event once', async () => {
    const proxy = await proxyTo(db.url);
    const worker = await launchWorker({ DATABASE_URL: proxy.url(db.url) });
    await worker.started;
    await waitFor(async () => (await readiness(worker)).status === 200, { what: 'the worker to be ready' });

    proxy.pause();
    const { event, invoiceId } = await invoiceEvent();
    await publishEvent(broker, event);
    await waitFor(async () => (await readiness(worker)).body.database === 'down', { what: '/readyz to name the database' });
    expect((await readiness(worker)).status).toBe(503);
    // Three attempts would have parked it in under a second; the outage lasts longer.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await broker.depth(broker.names.deadQueue)).toBe(0);

    proxy.resume();
    await waitFor(async () => (await eventRows(event.id))[0]?.outcome === 'processed', { timeoutMs: 10_000, what: 'the event to be processed' });
    // The outage consumed none of the event's attempts.
    expect(await eventRows(event.id)).toEqual([{ outcome: 'processed', attempts: 1 }]);
    expect(await transfersOf(invoiceId)).toEqual([{ status: 'paid' }]);
    expect(await broker.depth(broker.names.deadQueue)).toBe(0);
  });

  it('lets another worker process an event whose worker vanished mid-transaction, within the bounds, once', async () => {
    const database = await proxyTo(db.url);
    const rabbit = await proxyTo(services.rabbitmqUrl);
    const doomed = await launchWorker({ DATABASE_URL: database.url(db.url), RABBITMQ_URL: rabbit.url(services.rabbitmqUrl), WORKER_PREFETCH: '1' });
    await doomed.started;
    await waitFor(() => doomed.consumer.ready, { what: 'the first worker to consume' });

    // Stripe is slow to answer: the first worker is inside the event's transaction, holding its lock.
    await emulator.injectFault({ path: '/v1/transfers', method: 'POST', status: 200, delayMs: 1_000, count: 1 });
    const { event, invoiceId } = await invoiceEvent();
    await publishEvent(broker, event);
    await waitFor(async () => (await transferCalls(invoiceId)).length === 1, { what: 'the transfer request to reach Stripe' });

    // Its host drops off the network: nothing passes on its database connection any more,
    // and the broker, losing its connection, hands the message to the other worker.
    database.blackhole();
    rabbit.pause();
    const vanishedAt = Date.now();
    const survivor = await startTestWorker(env);
    cleanups.push(() => survivor.stop());
    await waitFor(async () => (await eventRows(event.id))[0]?.outcome === 'processed', { timeoutMs: 20_000, what: 'the other worker to process the event' });
    // The session that held the lock ends after idle_in_transaction_session_timeout (3 s);
    // the other worker waited at most lock_timeout (2 s) per try, retrying after 300 ms.
    const tookMs = Date.now() - vanishedAt;
    expect(tookMs).toBeLessThan(3_000 + 2_000 + 2_000);
    // Not at once: the other worker did wait for the vanished session's lock.
    expect(tookMs).toBeGreaterThan(1_000);

    expect(await eventRows(event.id)).toEqual([{ outcome: 'processed', attempts: 1 }]);
    expect(await transfersOf(invoiceId)).toEqual([{ status: 'paid' }]);
    const calls = await transferCalls(invoiceId);
    expect(new Set(calls.map((call) => call.idempotencyKey)).size).toBe(1);
    expect(calls.filter((call) => !call.replayed)).toHaveLength(1);
    expect(await broker.depth(broker.names.deadQueue)).toBe(0);
    // The vanished worker's connection is ended, not reused, so it can come back cleanly.
    rabbit.resume();
    database.resume();
  });
});

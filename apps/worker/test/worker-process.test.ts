import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startApp, startStripeEmulator, waitFor, type RunningProcess, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import { book, invoicePaidEvent, payableHostEvent, publishEvent, workerEnv } from './harness.ts';

const services = inject('services');
const entry = 'apps/worker/src/main.ts';
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let env: Record<string, string>;
let host: string;
const running: RunningProcess[] = [];

function startWorkerProcess(): RunningProcess {
  const worker = startApp(entry, { ...env, LOG_LEVEL: 'info' });
  running.push(worker);
  return worker;
}

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase), startStripeEmulator()]);
  env = workerEnv({ broker, databaseUrl: db.url, emulator, rabbitmqUrl: services.rabbitmqUrl });
  const worker = startWorkerProcess();
  await worker.waitForLog((line) => line.msg === 'consuming');
  const hostEvent = payableHostEvent();
  host = hostEvent.account!;
  await publishEvent(broker, hostEvent);
  await waitFor(async () => (await db.pool.query('SELECT 1 FROM hosts WHERE account_id = $1', [host])).rowCount === 1, { what: 'the host' });
  await worker.stop();
});

afterAll(async () => {
  await Promise.all(running.map((worker) => worker.stop('SIGKILL')));
  await Promise.all([broker.cleanup([300, 600]), db.drop(), emulator.stop()]);
});

async function invoiceInFlight(): Promise<{ invoiceId: string; eventId: string }> {
  const customer = stripeId('cus');
  await book(db.pool, customer, host, 5, new Date(Date.now() - 7_200_000));
  const event = invoicePaidEvent(customer, 12_345);
  await publishEvent(broker, event);
  return { invoiceId: (event.data.object as { id: string }).id, eventId: event.id };
}

async function transferCalls(invoiceId: string) {
  return (await emulator.calls({ path: '/v1/transfers' })).filter((call) => call.method === 'POST' && call.params.transfer_group === invoiceId);
}

describe('worker process', () => {
  it('applies the effect exactly once when a worker is killed mid-command and another takes over', async () => {
    // Stripe creates the transfer, then the answer is slow: the worker dies before it commits.
    await emulator.injectFault({ path: '/v1/transfers', method: 'POST', delayMs: 20_000, afterEffect: true, count: 1 });
    const doomed = startWorkerProcess();
    await doomed.waitForLog((line) => line.msg === 'consuming');
    const { invoiceId, eventId } = await invoiceInFlight();
    await waitFor(async () => (await transferCalls(invoiceId)).length === 1, { what: 'the transfer request to reach Stripe' });
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const successor = startWorkerProcess();
    await waitFor(async () => (await db.pool.query(`SELECT 1 FROM stripe_events WHERE id = $1 AND outcome = 'processed'`, [eventId])).rowCount === 1, {
      timeoutMs: 20_000,
      what: 'the redelivered event to be processed',
    });
    const { rows } = await db.pool.query<{ amount: string; stripe_transfer_id: string }>('SELECT amount, stripe_transfer_id FROM host_transfers WHERE invoice_id = $1', [invoiceId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.amount).toBe('9876');
    // The retry reused the idempotency key, so Stripe answered with the transfer it had made.
    const calls = await transferCalls(invoiceId);
    expect(new Set(calls.map((call) => call.idempotencyKey)).size).toBe(1);
    expect(calls.filter((call) => !call.replayed)).toHaveLength(1);
    await successor.stop();
  });

  it('finishes the command in hand on SIGTERM, commits, acks and exits 0', async () => {
    // A slow but successful answer: the command is still in hand when SIGTERM arrives.
    await emulator.injectFault({ path: '/v1/transfers', method: 'POST', status: 200, delayMs: 1_500, count: 1 });
    const worker = startWorkerProcess();
    await worker.waitForLog((line) => line.msg === 'consuming');
    const { invoiceId, eventId } = await invoiceInFlight();
    await waitFor(async () => (await transferCalls(invoiceId)).length === 1, { what: 'the transfer request to reach Stripe' });
    expect(await worker.stop('SIGTERM')).toBe(0);

    const { rows } = await db.pool.query<{ outcome: string }>('SELECT outcome FROM stripe_events WHERE id = $1', [eventId]);
    expect(rows).toEqual([{ outcome: 'processed' }]);
    // Acked before the connection closed: nothing comes back for another delivery.
    expect(await broker.drain(broker.names.workQueue, { timeoutMs: 500 })).toHaveLength(0);
    expect(await transferCalls(invoiceId)).toHaveLength(1);
  });

  it('refuses to start without a Stripe key, naming the variable', async () => {
    const worker = startApp(entry, { ...env, STRIPE_SECRET_KEY: '' });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(/STRIPE_SECRET_KEY is required/);
    expect(worker.output()).not.toMatch(/\n\s+at /);
  });

  it("refuses to start, in one line, with a key of the other mode than its database's", async () => {
    // The database was claimed for test mode by the first worker. https, so the key passes
    // the config check; nothing listens there, and the worker exits before any call.
    const worker = startApp(entry, { ...env, STRIPE_SECRET_KEY: 'sk_live_fake_worker_key_example', STRIPE_API_BASE: 'https://127.0.0.1:9' });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(/^worker: STRIPE_SECRET_KEY is a live-mode key, but the database \(DATABASE_URL\) serves test mode since \S+: use a test-mode key, or a database of its own for live mode\n$/);
    expect(worker.output()).not.toMatch(/sk_live_fake_worker_key_example/);
  });

  it("says at start which mode it runs in, and warns that the emulator is not Stripe's own API", async () => {
    const worker = startWorkerProcess();
    expect(await worker.waitForLog((line) => line.msg === 'listening')).toMatchObject({ mode: 'test', stripeApiBase: emulator.url });
    expect(await worker.waitForLog((line) => line.level === 40)).toMatchObject({ msg: "calling a Stripe API that is not Stripe's own (an emulator?)", stripeApiBase: emulator.url });
    expect(await worker.stop()).toBe(0);
  });
});

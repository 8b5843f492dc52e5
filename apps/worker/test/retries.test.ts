import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { headers } from '@pipeline/broker';
import { buildEvent, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startStripeEmulator, waitFor, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type { Worker } from '../src/worker.ts';
import { book, invoicePaidEvent, payableHostEvent, publishEvent, startTestWorker, workerEnv } from './harness.ts';

const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let worker: Worker;
let host: string;

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase), startStripeEmulator()]);
  worker = await startTestWorker(workerEnv({ broker, databaseUrl: db.url, emulator, rabbitmqUrl: services.rabbitmqUrl }));
  const hostEvent = payableHostEvent();
  host = hostEvent.account!;
  await publishEvent(broker, hostEvent);
  await waitFor(async () => (await db.pool.query('SELECT 1 FROM hosts WHERE account_id = $1 AND payouts_enabled', [host])).rowCount === 1, { what: 'the host' });
});

beforeEach(async () => {
  await emulator.clearFaults();
});

afterAll(async () => {
  await worker.stop();
  await Promise.all([broker.cleanup([300, 600]), db.drop(), emulator.stop()]);
});

async function eventRow(id: string) {
  const { rows } = await db.pool.query<{ outcome: string; attempts: number; last_error: string | null }>('SELECT outcome, attempts, last_error FROM stripe_events WHERE id = $1', [id]);
  return rows[0];
}

async function paidInvoice(): Promise<{ event: ReturnType<typeof invoicePaidEvent>; invoiceId: string }> {
  const customer = stripeId('cus');
  await book(db.pool, customer, host, 2, new Date(Date.now() - 3_600_000));
  const event = invoicePaidEvent(customer, 5_000);
  return { event, invoiceId: (event.data.object as { id: string }).id };
}

describe('retries and dead letters', () => {
  it('retries a command that fails twice with growing delays, then applies it once', async () => {
    // Not saved under the key (a 500 before the endpoint ran): each attempt meets the outage anew.
    await emulator.injectFault({ status: 500, count: 2, path: '/v1/transfers', method: 'POST', saved: false });
    const { event, invoiceId } = await paidInvoice();
    await publishEvent(broker, event);
    await waitFor(async () => (await eventRow(event.id))?.outcome === 'processed', { timeoutMs: 15_000, what: 'the third attempt to succeed' });

    expect(await eventRow(event.id)).toMatchObject({ outcome: 'processed', attempts: 3 });
    const calls = (await emulator.calls({ path: '/v1/transfers' })).filter((call) => call.method === 'POST' && call.params.transfer_group === invoiceId);
    expect(calls.map((call) => call.status)).toEqual([500, 500, 200]);
    // The broker held the message in the delay queues: each wait at least its delay.
    const [first, second, third] = calls.map((call) => Date.parse(call.at));
    expect(second! - first!).toBeGreaterThanOrEqual(300 * 0.9);
    expect(third! - second!).toBeGreaterThanOrEqual(600 * 0.9);
    const { rows } = await db.pool.query('SELECT status FROM host_transfers WHERE invoice_id = $1', [invoiceId]);
    expect(rows).toEqual([{ status: 'paid' }]);
  });

  it('parks a command that always fails after the configured attempts, with its error, and records it failed', async () => {
    await emulator.injectFault({ status: 503, path: '/v1/transfers', method: 'POST' });
    const { event } = await paidInvoice();
    await publishEvent(broker, event);
    const [parked] = await broker.drain(broker.names.deadQueue, { max: 1, timeoutMs: 15_000 });
    expect(parked).toBeDefined();
    expect(parked!.properties.messageId).toBe(event.id);
    expect(parked!.properties.headers).toMatchObject({ [headers.attempts]: 3, [headers.lastErrorCode]: 'TRANSIENT', [headers.endpoint]: 'platform' });
    expect(String(parked!.properties.headers?.[headers.lastError])).not.toBe('');
    expect((JSON.parse(parked!.content.toString()) as { id: string }).id).toBe(event.id);
    await waitFor(async () => (await eventRow(event.id))?.outcome === 'failed', { what: 'the failure to be recorded' });
    expect(await eventRow(event.id)).toMatchObject({ outcome: 'failed', attempts: 3 });
  });

  it('parks an event its command can never handle at once, without retrying', async () => {
    const event = buildEvent({ type: 'invoice.paid', object: { customer: null } });
    await publishEvent(broker, event);
    const [parked] = await broker.drain(broker.names.deadQueue, { max: 1, timeoutMs: 10_000 });
    expect(parked!.properties.messageId).toBe(event.id);
    expect(parked!.properties.headers).toMatchObject({ [headers.attempts]: 1, [headers.lastErrorCode]: 'PERMANENT' });
  });

  it('parks a message whose body is not a Stripe event instead of dropping or retrying it', async () => {
    const event = buildEvent({ type: 'customer.created' });
    await publishEvent(broker, event, { body: Buffer.from('{"hello":"world"}') });
    const [parked] = await broker.drain(broker.names.deadQueue, { max: 1, timeoutMs: 10_000 });
    expect(parked!.content.toString()).toBe('{"hello":"world"}');
    expect(parked!.properties.headers).toMatchObject({ [headers.attempts]: 1, [headers.lastErrorCode]: 'PERMANENT' });
    expect(String(parked!.properties.headers?.[headers.lastError])).toMatch(/not a Stripe event/);
  });

  it('parks a message that keeps crashing its consumers through the queue delivery limit', async () => {
    await worker.stop();
    const event = buildEvent({ type: 'customer.created' });
    await publishEvent(broker, event);
    // A consumer that dies holding the message, again and again.
    for (let delivery = 0; delivery < 10; delivery += 1) {
      const channel = await broker.connection.createChannel();
      const message = await channel.get(broker.names.workQueue, { noAck: false });
      await channel.close();
      if (message === false) break;
    }
    const [parked] = await broker.drain(broker.names.deadQueue, { max: 1, timeoutMs: 5_000 });
    expect(parked!.properties.messageId).toBe(event.id);
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
    worker = await startTestWorker(workerEnv({ broker, databaseUrl: db.url, emulator, rabbitmqUrl: services.rabbitmqUrl }));
  });
});

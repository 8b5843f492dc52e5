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

interface ParkedRow {
  attempts: number | null;
  error_code: string | null;
  last_error: string | null;
  endpoint: string | null;
  type: string | null;
  reason: string;
  body: Buffer;
  properties: { headers?: Record<string, unknown> };
}

/** The parked_events row of an event, once the worker (or its drainer) wrote it. */
async function parkedRow(eventId: string, timeoutMs = 10_000): Promise<ParkedRow> {
  let row: ParkedRow | undefined;
  await waitFor(
    async () => {
      ({ rows: [row] } = await db.pool.query<ParkedRow>('SELECT attempts, error_code, last_error, endpoint, type, reason, body, properties FROM parked_events WHERE event_id = $1', [eventId]));
      return row !== undefined;
    },
    { timeoutMs, what: `${eventId} in parked_events` },
  );
  return row!;
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

  it('parks a command that always fails after the configured attempts in parked_events, with its error, and records it failed', async () => {
    await emulator.injectFault({ status: 503, path: '/v1/transfers', method: 'POST' });
    const { event } = await paidInvoice();
    await publishEvent(broker, event);
    const parked = await parkedRow(event.id, 15_000);
    expect(parked).toMatchObject({ attempts: 3, error_code: 'TRANSIENT', endpoint: 'platform', reason: 'exhausted', type: 'invoice.paid' });
    expect(parked.last_error).not.toBe('');
    expect(parked.properties.headers).toMatchObject({ [headers.attempts]: 3, [headers.lastErrorCode]: 'TRANSIENT', [headers.endpoint]: 'platform' });
    expect((JSON.parse(parked.body.toString()) as { id: string }).id).toBe(event.id);
    expect(await broker.depth(broker.names.deadQueue)).toBe(0);
    await waitFor(async () => (await eventRow(event.id))?.outcome === 'failed', { what: 'the failure to be recorded' });
    expect(await eventRow(event.id)).toMatchObject({ outcome: 'failed', attempts: 3 });
  });

  it('parks an event its command can never handle at once, without retrying', async () => {
    const event = buildEvent({ type: 'invoice.paid', object: { customer: null } });
    await publishEvent(broker, event);
    expect(await parkedRow(event.id)).toMatchObject({ attempts: 1, error_code: 'PERMANENT', reason: 'permanent' });
  });

  it('parks a message whose body is not a Stripe event, byte for byte, instead of dropping or retrying it', async () => {
    const event = buildEvent({ type: 'customer.created' });
    await publishEvent(broker, event, { body: Buffer.from('{"hello":"world"}') });
    const parked = await parkedRow(event.id);
    expect(parked.body.toString()).toBe('{"hello":"world"}');
    expect(parked).toMatchObject({ attempts: 1, error_code: 'PERMANENT', reason: 'malformed' });
    expect(parked.last_error).toMatch(/not a Stripe event/);
  });

  it('parks a message that keeps crashing its consumers through the queue delivery limit, and drains it into parked_events', async () => {
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
    await waitFor(async () => (await broker.depth(broker.names.deadQueue)) === 1, { what: 'the broker to park the message' });
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
    worker = await startTestWorker(workerEnv({ broker, databaseUrl: db.url, emulator, rabbitmqUrl: services.rabbitmqUrl }));

    const parked = await parkedRow(event.id);
    expect(parked).toMatchObject({ reason: 'delivery-limit', error_code: 'delivery_limit', type: 'customer.created', attempts: null });
    expect(parked.last_error).toMatch(/parked by the broker: delivery_limit in \S+\.stripe\.events\.work/);
    expect(JSON.parse(parked.body.toString())).toEqual(JSON.parse(JSON.stringify(event)));
    await waitFor(async () => (await broker.depth(broker.names.deadQueue)) === 0, { what: 'the dead queue drained' });
  });

  it('drains the same dead-queue message twice into one row', async () => {
    const event = buildEvent({ type: 'invoice.paid' });
    const properties = { messageId: event.id, type: event.type, headers: { endpoint: 'platform', [headers.attempts]: 2, [headers.lastError]: 'boom', [headers.parkedAt]: new Date().toISOString() } };
    const channel = await broker.connection.createConfirmChannel();
    try {
      // Dead-lettering is at least once: the same message may arrive twice.
      for (let copy = 0; copy < 2; copy += 1) channel.publish(broker.names.deadExchange, '', Buffer.from(JSON.stringify(event)), properties);
      await channel.waitForConfirms();
    } finally {
      await channel.close();
    }
    await waitFor(async () => (await broker.depth(broker.names.deadQueue)) === 0, { what: 'both copies drained' });
    await parkedRow(event.id);
    const { rows } = await db.pool.query('SELECT 1 FROM parked_events WHERE event_id = $1', [event.id]);
    expect(rows).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildEvent, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startStripeEmulator, waitFor, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type { Worker } from '../src/worker.ts';
import { book, invoicePaidEvent, payableHostEvent, publishEvent, startTestWorker, workerEnv } from './harness.ts';

const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let env: Record<string, string>;
const workers: Worker[] = [];

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase), startStripeEmulator()]);
  env = workerEnv({ broker, databaseUrl: db.url, emulator, rabbitmqUrl: services.rabbitmqUrl });
  workers.push(await startTestWorker(env), await startTestWorker(env));
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await Promise.all([broker.cleanup([300, 600]), db.drop(), emulator.stop()]);
});

async function outcomeOf(id: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ outcome: string }>('SELECT outcome FROM stripe_events WHERE id = $1', [id]);
  return rows[0]?.outcome;
}

describe('exactly-once processing', () => {
  it('records a processed event together with its effect', async () => {
    const event = buildEvent({ type: 'customer.subscription.created' });
    await publishEvent(broker, event);
    await waitFor(async () => (await outcomeOf(event.id)) === 'processed', { what: 'the event to be processed' });
    const { rows } = await db.pool.query<{ access: boolean }>('SELECT access FROM subscriptions WHERE id = $1', [(event.data.object as { id: string }).id]);
    expect(rows).toEqual([{ access: true }]);
  });

  it('pays a host once for an invoice delivered four times, concurrently to two workers and again after processing', async () => {
    const hostEvent = payableHostEvent();
    const host = hostEvent.account!;
    await publishEvent(broker, hostEvent);
    await waitFor(async () => (await outcomeOf(hostEvent.id)) === 'processed', { what: 'the host to be onboarded' });

    const customer = stripeId('cus');
    await book(db.pool, customer, host, 3, new Date(Date.now() - 86_400_000));
    const invoice = invoicePaidEvent(customer, 10_000);
    await Promise.all([publishEvent(broker, invoice), publishEvent(broker, invoice), publishEvent(broker, invoice)]);
    await waitFor(async () => (await outcomeOf(invoice.id)) === 'processed', { what: 'the invoice to be processed' });
    await publishEvent(broker, invoice);
    await waitFor(async () => (await broker.depth(broker.names.workQueue)) === 0 && workers.every((worker) => worker.consumer.inFlight === 0), { what: 'every copy to be settled' });

    const invoiceId = (invoice.data.object as { id: string }).id;
    const { rows } = await db.pool.query<{ amount: string; status: string }>('SELECT amount, status FROM host_transfers WHERE invoice_id = $1', [invoiceId]);
    expect(rows).toEqual([{ amount: '8000', status: 'paid' }]);
    const transfers = (await emulator.calls({ path: '/v1/transfers' })).filter((call) => call.method === 'POST' && call.params.transfer_group === invoiceId);
    expect(transfers.filter((call) => !call.replayed && call.status === 200)).toHaveLength(1);
    const { rows: events } = await db.pool.query<{ attempts: number }>('SELECT attempts FROM stripe_events WHERE id = $1', [invoice.id]);
    expect(events).toEqual([{ attempts: 1 }]);
  });

  it('keeps the newer subscription state when an older event arrives after it, and records the older one as stale', async () => {
    const created = buildEvent({ type: 'customer.subscription.updated' });
    const subscription = created.data.object as { id: string; customer: string };
    const newer = buildEvent({ type: 'customer.subscription.updated', created: created.created + 60, object: { ...subscription, status: 'past_due' } });
    const older = buildEvent({ type: 'customer.subscription.updated', created: created.created - 60, object: { ...subscription, status: 'active' } });
    await publishEvent(broker, newer);
    await waitFor(async () => (await outcomeOf(newer.id)) === 'processed', { what: 'the newer event' });
    await publishEvent(broker, older);
    await waitFor(async () => (await outcomeOf(older.id)) === 'stale', { what: 'the older event to be stale' });
    const { rows } = await db.pool.query<{ status: string; access: boolean }>('SELECT status, access FROM subscriptions WHERE id = $1', [subscription.id]);
    expect(rows).toEqual([{ status: 'past_due', access: false }]);
  });

  it('records an event type no command handles as ignored', async () => {
    const event = buildEvent({ type: 'customer.created' });
    await publishEvent(broker, event);
    await waitFor(async () => (await outcomeOf(event.id)) === 'ignored', { what: 'the event to be ignored' });
  });
});

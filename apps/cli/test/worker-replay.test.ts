import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { declareTopology } from '@pipeline/broker';
import { buildEvent, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startApp, startStripeEmulator, waitFor, type RunningProcess, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type Stripe from 'stripe';
import { cliEntry, runCli } from './cli.ts';
import { parkAsWorker } from './park.ts';

const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let worker: RunningProcess;
let env: Record<string, string>;
const host = stripeId('acct', 16);
const running: RunningProcess[] = [];

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([
    createTestBroker(services.rabbitmqUrl),
    createTestDatabase(services.databaseUrl, services.templateDatabase),
    startStripeEmulator(),
  ]);
  await declareTopology(broker.channel, broker.names);
  // A host that can receive payouts, as its account.updated would have left it.
  await db.pool.query('INSERT INTO hosts (account_id, charges_enabled, payouts_enabled, details_submitted) VALUES ($1, true, true, true)', [host]);
  env = { RABBITMQ_URL: services.rabbitmqUrl, DATABASE_URL: db.url, TOPOLOGY_PREFIX: broker.prefix };
  worker = startApp('apps/worker/src/main.ts', {
    ...env,
    STRIPE_SECRET_KEY: 'sk_test_fake_cli_worker_key',
    STRIPE_API_BASE: emulator.url,
    STRIPE_MAX_NETWORK_RETRIES: '0',
    WORKER_RETRY_DELAYS: '300ms',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  await worker.waitForLog((line) => line.msg === 'consuming', 30_000);
});

afterAll(async () => {
  await Promise.all(running.map((child) => child.stop('SIGKILL')));
  await worker.stop();
  await Promise.all([broker.cleanup([300]), db.drop(), emulator.stop()]);
});

/** A paid invoice of a customer who booked `host` for 4 hours this month. */
async function bookedInvoice(): Promise<{ event: Stripe.Event; invoiceId: string }> {
  const customer = stripeId('cus');
  await db.pool.query('INSERT INTO bookings (id, customer_id, host_account_id, hours, starts_at) VALUES ($1, $2, $3, 4, $4)', [`bk_${randomUUID()}`, customer, host, new Date(Date.now() - 3_600_000)]);
  const now = Math.floor(Date.now() / 1000);
  const event = buildEvent({ type: 'invoice.paid', object: { customer, amount_paid: 10_000, period_start: now - 30 * 86_400, period_end: now + 60 } });
  return { event, invoiceId: (event.data.object as { id: string }).id };
}

async function transfersCreated(invoiceId: string): Promise<number> {
  const calls = await emulator.calls({ path: '/v1/transfers' });
  return calls.filter((call) => call.method === 'POST' && call.params.transfer_group === invoiceId && !call.replayed && call.status === 200).length;
}

async function processed(ids: readonly string[]): Promise<number> {
  const { rows } = await db.pool.query<{ count: string }>(`SELECT count(*) FROM stripe_events WHERE id = ANY($1) AND outcome = 'processed'`, [ids]);
  return Number(rows[0]?.count);
}

describe('dead-letters replay with a running worker', () => {
  it('replays a parked invoice.paid: the host is paid once, and events show tells the story', async () => {
    const { event, invoiceId } = await bookedInvoice();
    await parkAsWorker(broker, event, { error: 'Stripe answered 503' });

    const result = await runCli(['dead-letters', 'replay', '--yes'], env);

    expect(result.code).toBe(0);
    await waitFor(async () => (await processed([event.id])) === 1, { timeoutMs: 20_000, what: 'the replayed invoice to be processed' });
    expect(await transfersCreated(invoiceId)).toBe(1);
    const { rows } = await db.pool.query<{ amount: string; status: string }>('SELECT amount, status FROM host_transfers WHERE invoice_id = $1', [invoiceId]);
    expect(rows).toEqual([{ amount: '8000', status: 'paid' }]);
    expect(await broker.depth(broker.names.deadQueue)).toBe(0);

    const shown = await runCli(['events', 'show', event.id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^outcome\s+processed$/m);
    expect(shown.stdout).toMatch(/^type\s+invoice\.paid$/m);
    expect(shown.stdout).toContain(`"invoiceId": "${invoiceId}"`);
    expect(shown.stdout).toMatch(new RegExp(`host transfers for ${invoiceId}:\\n.*\\n\\s+${host}\\s+8000\\s+usd\\s+4(\\.00)?\\s+paid\\s+tr_\\w+`));
  });

  it('loses nothing and pays nothing twice when a replay is killed midway and run again', async () => {
    const invoices = await Promise.all(Array.from({ length: 5 }, () => bookedInvoice()));
    for (const { event } of invoices) await parkAsWorker(broker, event);
    const ids = invoices.map(({ event }) => event.id);

    // One message a second: the first is confirmed (and processed) long before the last.
    const interrupted = startApp(cliEntry, env, ['dead-letters', 'replay', '--yes', '--rate', '1']);
    running.push(interrupted);
    await waitFor(async () => (await processed(ids)) >= 1, { timeoutMs: 20_000, what: 'the first replayed invoice to be processed' });
    interrupted.child.kill('SIGKILL');
    await interrupted.exited;
    // The broker takes back what the killed CLI held: the rest are parked again (and, if
    // the kill beat an ack, one already replayed too: a duplicate the worker will skip).
    await waitFor(async () => (await broker.depth(broker.names.deadQueue)) > 0, { what: 'the unreplayed messages back in the dead queue' });

    const resumed = await runCli(['dead-letters', 'replay', '--yes'], env);

    expect(resumed.code).toBe(0);
    await waitFor(async () => (await processed(ids)) === 5, { timeoutMs: 20_000, what: 'every invoice to be processed' });
    expect(await broker.depth(broker.names.deadQueue)).toBe(0);
    for (const { invoiceId } of invoices) expect(await transfersCreated(invoiceId)).toBe(1);
    const { rows } = await db.pool.query<{ count: string }>('SELECT count(*) FROM host_transfers WHERE invoice_id = ANY($1)', [invoices.map(({ invoiceId }) => invoiceId)]);
    expect(Number(rows[0]?.count)).toBe(5);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { declareTopology, eventMessageProperties, routingKeyOf } from '@pipeline/broker';
import { buildEvent, serializeEvent, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startApp, startStripeEmulator, waitFor, type RunningProcess, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type Stripe from 'stripe';
import { runDeadLettersList } from '../src/commands/dead-letters-list/run.ts';
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

async function parkedCount(...ids: string[]): Promise<number> {
  const { rows } = await db.pool.query<{ count: string }>('SELECT count(*) FROM parked_events WHERE event_id = ANY($1)', [ids]);
  return Number(rows[0]?.count);
}

/** Publishes an event the way the ingest does, confirmed. */
async function publishAsIngest(event: Stripe.Event): Promise<void> {
  const envelope = { id: event.id, type: event.type, endpoint: 'platform' as const, account: undefined, livemode: event.livemode };
  const channel = await broker.connection.createConfirmChannel();
  try {
    channel.publish(broker.names.exchange, routingKeyOf(envelope), Buffer.from(serializeEvent(event)), eventMessageProperties(envelope));
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
}

/** `dead-letters list --json`, run in this process (30 child processes would take minutes here). */
async function listInProcess(): Promise<unknown[]> {
  const lines: string[] = [];
  const io = { env, print: (line = '') => lines.push(line), stdin: process.stdin, stderr: process.stderr };
  await runDeadLettersList(io, { json: true });
  return JSON.parse(lines.join('\n')) as unknown[];
}

describe('parked events with a running worker', () => {
  it('keeps an event the worker parked, unchanged, through 30 listings', async () => {
    // The invoice names no customer: a permanent failure, parked at the first attempt.
    const event = buildEvent({ type: 'invoice.paid', object: { customer: null } });
    await publishAsIngest(event);
    const row = async () => (await db.pool.query<{ id: string; body: Buffer; properties: unknown }>('SELECT id, body, properties FROM parked_events WHERE event_id = $1', [event.id])).rows;
    await waitFor(async () => (await row()).length === 1, { timeoutMs: 20_000, what: 'the event to be parked' });
    const [before] = await row();

    for (let look = 0; look < 30; look += 1) {
      const listed = await listInProcess();
      expect(listed).toContainEqual(expect.objectContaining({ id: event.id, errorCode: 'PERMANENT', attempts: 1 }));
    }

    const after = await row();
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(before?.id);
    expect(after[0]?.body.equals(Buffer.from(serializeEvent(event)))).toBe(true);
    expect(after[0]?.properties).toEqual(before?.properties);
    // Looking never went near the broker: nothing waits in the dead queue to be counted.
    expect(await broker.depth(broker.names.deadQueue)).toBe(0);
  });
});

describe('dead-letters replay with a running worker', () => {
  it('replays a parked invoice.paid: the host is paid once, and events show tells the story', async () => {
    const { event, invoiceId } = await bookedInvoice();
    await parkAsWorker(db.pool, event, { error: 'Stripe answered 503' });

    const result = await runCli(['dead-letters', 'replay', '--yes'], env);

    expect(result.code).toBe(0);
    await waitFor(async () => (await processed([event.id])) === 1, { timeoutMs: 20_000, what: 'the replayed invoice to be processed' });
    expect(await transfersCreated(invoiceId)).toBe(1);
    const { rows } = await db.pool.query<{ amount: string; status: string }>('SELECT amount, status FROM host_transfers WHERE invoice_id = $1', [invoiceId]);
    expect(rows).toEqual([{ amount: '8000', status: 'paid' }]);
    expect(await parkedCount(event.id)).toBe(0);

    const shown = await runCli(['events', 'show', event.id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^outcome\s+processed$/m);
    expect(shown.stdout).toMatch(/^type\s+invoice\.paid$/m);
    expect(shown.stdout).toContain(`"invoiceId": "${invoiceId}"`);
    expect(shown.stdout).toMatch(new RegExp(`host transfers for ${invoiceId}:\\n.*\\n\\s+${host}\\s+8000\\s+usd\\s+4(\\.00)?\\s+paid\\s+tr_\\w+`));
  });

  it('loses nothing and pays nothing twice when a replay is killed midway and run again', async () => {
    const invoices = await Promise.all(Array.from({ length: 5 }, () => bookedInvoice()));
    for (const { event } of invoices) await parkAsWorker(db.pool, event);
    const ids = invoices.map(({ event }) => event.id);

    // One message a second: the first is confirmed (and processed) long before the last.
    const interrupted = startApp(cliEntry, env, ['dead-letters', 'replay', '--yes', '--rate', '1']);
    running.push(interrupted);
    await waitFor(async () => (await processed(ids)) >= 1, { timeoutMs: 20_000, what: 'the first replayed invoice to be processed' });
    interrupted.child.kill('SIGKILL');
    await interrupted.exited;
    // A row goes only after its copy was confirmed: the rest are still parked (and, if the
    // kill came between a confirm and its delete, one already replayed too: a duplicate the
    // worker will skip).
    expect(await parkedCount(...ids)).toBeGreaterThan(0);

    const resumed = await runCli(['dead-letters', 'replay', '--yes'], env);

    expect(resumed.code).toBe(0);
    await waitFor(async () => (await processed(ids)) === 5, { timeoutMs: 20_000, what: 'every invoice to be processed' });
    expect(await parkedCount(...ids)).toBe(0);
    for (const { invoiceId } of invoices) expect(await transfersCreated(invoiceId)).toBe(1);
    const { rows } = await db.pool.query<{ count: string }>('SELECT count(*) FROM host_transfers WHERE invoice_id = ANY($1)', [invoices.map(({ invoiceId }) => invoiceId)]);
    expect(Number(rows[0]?.count)).toBe(5);
  });
});

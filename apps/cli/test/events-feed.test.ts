import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { declareTopology, eventMessageProperties, routingKeyOf } from '@pipeline/broker';
import { buildEvent, serializeEvent, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startApp, startStripeEmulator, waitFor, type RunningProcess, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type Stripe from 'stripe';
import { cliEntry, oneErrorLine, runCli } from './cli.ts';

// `events list` and `events tail` as real processes, against a real worker fed through the
// real broker, and the real database the worker writes its ledger to.
const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let worker: RunningProcess;
let env: Record<string, string>;
const host = stripeId('acct', 16);

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
    STRIPE_SECRET_KEY: 'sk_test_fake_cli_feed_key',
    STRIPE_API_BASE: emulator.url,
    STRIPE_MAX_NETWORK_RETRIES: '0',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  await worker.waitForLog((line) => line.msg === 'consuming', 30_000);
});

afterAll(async () => {
  await worker.stop();
  await Promise.all([broker.cleanup([300]), db.drop(), emulator.stop()]);
});

/** A paid invoice of a customer who booked `host` for 4 hours this month: one transfer to pay. */
async function bookedInvoice(): Promise<Stripe.Event> {
  const customer = stripeId('cus');
  await db.pool.query('INSERT INTO bookings (id, customer_id, host_account_id, hours, starts_at) VALUES ($1, $2, $3, 4, $4)', [`bk_${randomUUID()}`, customer, host, new Date(Date.now() - 3_600_000)]);
  const now = Math.floor(Date.now() / 1000);
  return buildEvent({ type: 'invoice.paid', object: { customer, amount_paid: 10_000, period_start: now - 30 * 86_400, period_end: now + 60 } });
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

async function settled(id: string): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await db.pool.query<{ outcome: string }>('SELECT outcome FROM stripe_events WHERE id = $1', [id]);
      return rows[0]?.outcome === 'processed' ? true : undefined;
    },
    { timeoutMs: 20_000, what: `${id} processed` },
  );
}

/** A ledger row settled `ageMs` ago, written directly: exact times make paging deterministic. */
async function record(id: string, type: string, fields: { ageMs: number; outcome?: string; account?: string; attempts?: number; lastError?: string }): Promise<void> {
  const settledAt = new Date(Date.now() - fields.ageMs);
  await db.pool.query(
    `INSERT INTO stripe_events (id, type, endpoint, account, livemode, event_created, outcome, attempts, last_error, first_seen_at, updated_at, processing_started_at)
     VALUES ($1, $2, $3, $4, false, $5::timestamptz, $6, $7, $8, $5, $5, $5::timestamptz - interval '12 milliseconds')`,
    [id, type, fields.account === undefined ? 'platform' : 'connect', fields.account ?? null, settledAt, fields.outcome ?? 'processed', fields.attempts ?? 1, fields.lastError ?? null],
  );
}

interface ListedPage {
  events: Array<{ id: string; type: string; outcome: string; latencyMs: number | null; transfers: number; settledAt: string }>;
  hasMore: boolean;
  nextBefore: string | null;
}

async function listJson(args: readonly string[]): Promise<ListedPage> {
  const result = await runCli(['events', 'list', '--json', ...args], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as ListedPage;
}

describe('events list', () => {
  beforeAll(async () => {
    // An hour ago and older, so these never mix with what the worker settles now.
    await record('evt_list_a', 'invoice.paid', { ageMs: 5 * 3_600_000 });
    await record('evt_list_b', 'invoice.payment_failed', { ageMs: 4 * 3_600_000, outcome: 'failed', attempts: 5, lastError: 'Stripe answered 500' });
    await record('evt_list_c', 'account.updated', { ageMs: 3 * 3_600_000, account: 'acct_1ListHost', outcome: 'stale' });
    await record('evt_list_d', 'customer.subscription.updated', { ageMs: 2 * 3_600_000 });
    await record('evt_list_e', 'invoice.upcoming', { ageMs: 3_600_000 + 60_000, outcome: 'ignored' });
  });

  it('filters by type glob, account, outcome, time range and id, newest first, as JSON', async () => {
    const until = new Date(Date.now() - 3_600_000).toISOString();
    const [invoices, account, outcomes, range, id] = await Promise.all([
      listJson(['--type', 'invoice.*', '--until', until]),
      listJson(['--account', 'acct_1ListHost']),
      listJson(['--outcome', 'failed,ignored']),
      listJson(['--since', '270m', '--until', '150m']),
      listJson(['--id', 'evt_list_d']),
    ]);

    expect(invoices.events.map((event) => event.id)).toEqual(['evt_list_e', 'evt_list_b', 'evt_list_a']);
    expect(account.events.map((event) => event.id)).toEqual(['evt_list_c']);
    expect(outcomes.events.map((event) => event.id)).toEqual(['evt_list_e', 'evt_list_b']);
    expect(range.events.map((event) => event.id)).toEqual(['evt_list_c', 'evt_list_b']);
    expect(id.events).toEqual([expect.objectContaining({ id: 'evt_list_d', type: 'customer.subscription.updated', outcome: 'processed', latencyMs: 12, transfers: 0 })]);
  });

  it('pages with --limit and --before, the JSON naming the next cursor', async () => {
    const until = new Date(Date.now() - 3_600_000).toISOString();
    const first = await listJson(['--until', until, '--limit', '2']);
    expect(first.events.map((event) => event.id)).toEqual(['evt_list_e', 'evt_list_d']);
    expect(first).toMatchObject({ hasMore: true, nextBefore: 'evt_list_d' });

    const second = await listJson(['--until', until, '--limit', '2', '--before', 'evt_list_d']);
    expect(second.events.map((event) => event.id)).toEqual(['evt_list_c', 'evt_list_b']);
    const last = await listJson(['--until', until, '--limit', '2', '--before', 'evt_list_b']);
    expect(last).toMatchObject({ events: [expect.objectContaining({ id: 'evt_list_a' })], hasMore: false, nextBefore: null });
  });

  it('prints aligned columns for humans, with the next page to ask for', async () => {
    const result = await runCli(['events', 'list', '--type', 'invoice.*', '--until', new Date(Date.now() - 3_600_000).toISOString(), '--limit', '2'], env);

    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SETTLED AT\s+TYPE\s+ID\s+ENDPOINT\s+ACCOUNT\s+OUTCOME\s+ATTEMPTS\s+LATENCY\s+TRANSFERS\s+ERROR$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+invoice\.upcoming\s+evt_list_e\s+platform\s+-\s+ignored\s+1\s+12 ms\s+0\s+-$/);
    expect(lines[2]).toMatch(/invoice\.payment_failed\s+evt_list_b\s+platform\s+-\s+failed\s+5\s+12 ms\s+0\s+Stripe answered 500$/);
    // Aligned: every row's id starts in the header's ID column.
    const idColumn = lines[0]?.indexOf('ID ');
    expect(lines[1]?.indexOf('evt_list_e')).toBe(idColumn);
    expect(lines[2]?.indexOf('evt_list_b')).toBe(idColumn);
    expect(lines[3]).toBe('2 events; next page: --before evt_list_b');
  });

  it('answers a bad filter or an unknown cursor with one error line', async () => {
    const [outcome, since, limit, cursor] = await Promise.all([
      runCli(['events', 'list', '--outcome', 'done'], env),
      runCli(['events', 'list', '--since', 'yesterday'], env),
      runCli(['events', 'list', '--limit', '5000'], env),
      runCli(['events', 'list', '--before', 'evt_not_in_ledger'], env),
    ]);

    expect(oneErrorLine(outcome)).toMatch(/--outcome.*must be one or more of processed, ignored, stale, retrying, failed/);
    expect(oneErrorLine(since)).toMatch(/--since.*must be a duration back from now/);
    expect(oneErrorLine(limit)).toMatch(/--limit.*at most 1000/);
    expect(oneErrorLine(cursor)).toBe('error: --before evt_not_in_ledger: no such event in stripe_events');
    for (const result of [outcome, since, limit, cursor]) expect(result.code).not.toBe(0);
  });
});

describe('events tail', () => {
  it('prints each event the worker settles after it started, once, and exits 0 on SIGINT', async () => {
    const before = await bookedInvoice();
    await publishAsIngest(before);
    await settled(before.id);

    const json = startApp(cliEntry, { ...env }, ['events', 'tail', '--json', '--type', 'invoice.*']);
    const human = startApp(cliEntry, { ...env }, ['events', 'tail']);
    try {
      for (const tail of [json, human]) await waitFor(() => (tail.output().includes('Ready!') ? true : undefined), { timeoutMs: 20_000, what: `tail ready: ${tail.output()}` });

      const first = await bookedInvoice();
      const second = await bookedInvoice();
      await publishAsIngest(first);
      await publishAsIngest(second);
      const [shownFirst, shownSecond] = await Promise.all([first, second].map((event) => json.waitForLog((line) => line.id === event.id, 20_000)));
      expect(shownFirst).toMatchObject({ type: 'invoice.paid', outcome: 'processed', endpoint: 'platform', transfers: 1 });
      expect(shownFirst?.latencyMs).toEqual(expect.any(Number));
      expect(shownSecond).toMatchObject({ outcome: 'processed', transfers: 1 });
      await waitFor(() => (human.output().includes(second.id) ? true : undefined), { timeoutMs: 10_000, what: `human tail line: ${human.output()}` });
      // Two more polls, over the lookback window: nothing is printed twice.
      await new Promise((resolve) => setTimeout(resolve, 1_200));

      expect(json.logs.map((line) => line.id)).toEqual([first.id, second.id]);
      expect(human.output()).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  invoice\\.paid +${first.id} +processed +\\d+ ms  transfers: 1$`, 'm'));
      expect(human.output()).not.toContain(before.id);

      const [jsonCode, humanCode] = await Promise.all([json.stop('SIGINT'), human.stop('SIGINT')]);
      expect(jsonCode).toBe(0);
      expect(humanCode).toBe(0);
    } finally {
      await Promise.all([json.stop('SIGKILL'), human.stop('SIGKILL')]);
    }
  });
});

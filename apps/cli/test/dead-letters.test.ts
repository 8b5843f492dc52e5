import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { declareTopology } from '@pipeline/broker';
import { buildEvent } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startApp, waitFor, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type Stripe from 'stripe';
import { cliEntry, oneErrorLine, runCli } from './cli.ts';
import { parkAsWorker, parkByDeliveryLimit } from './park.ts';

const { rabbitmqUrl, databaseUrl, templateDatabase } = inject('services');
const day = 86_400_000;
let broker: TestBroker;
let db: TestDatabase;
let env: Record<string, string>;

/** The parked set every test starts from. */
const events = {
  retriedInvoice: buildEvent({ type: 'invoice.paid' }),
  brokenInvoice: buildEvent({ type: 'invoice.paid' }),
  hostUpdate: buildEvent({ type: 'account.updated', account: 'acct_1DeadLetterHost' }),
  crashingSubscription: buildEvent({ type: 'customer.subscription.updated' }),
};

beforeAll(async () => {
  [broker, db] = await Promise.all([createTestBroker(rabbitmqUrl), createTestDatabase(databaseUrl, templateDatabase)]);
  await declareTopology(broker.channel, broker.names);
  env = { RABBITMQ_URL: rabbitmqUrl, DATABASE_URL: db.url, TOPOLOGY_PREFIX: broker.prefix };
});

afterAll(async () => {
  await Promise.all([broker.cleanup(), db.drop()]);
});

beforeEach(async () => {
  await broker.channel.purgeQueue(broker.names.workQueue);
  await db.pool.query('DELETE FROM parked_events');
  await parkAsWorker(db.pool, events.retriedInvoice, { attempts: 7, error: 'Stripe answered 500', parkedAt: new Date(Date.now() - 2 * day) });
  await parkAsWorker(db.pool, events.brokenInvoice, { attempts: 1, error: 'the invoice names no customer', errorCode: 'PERMANENT', parkedAt: new Date(Date.now() - 3_600_000) });
  await parkAsWorker(db.pool, events.hostUpdate, { attempts: 7, error: 'database timeout', parkedAt: new Date(Date.now() - 5 * day) });
  await parkByDeliveryLimit(db.pool, events.crashingSubscription, broker.names.workQueue);
});

async function parkedIds(): Promise<string[]> {
  const { rows } = await db.pool.query<{ event_id: string }>('SELECT event_id FROM parked_events');
  return rows.map((row) => row.event_id).sort();
}

async function parkedCount(): Promise<number> {
  return (await parkedIds()).length;
}

const ids = (...list: Stripe.Event[]): string[] => list.map((event) => event.id).sort();

interface Listed {
  id: string;
  type: string;
  account?: string;
  attempts?: number;
  error?: string;
  errorCode?: string;
  parkedAt?: string;
  parkedBy: string;
}

async function listJson(...args: string[]): Promise<Listed[]> {
  const result = await runCli(['dead-letters', 'list', '--json', ...args], env);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Listed[];
}

describe('dead-letters list', () => {
  it('shows id, type, account, attempts, error and parked time of every parked message, and leaves them parked', async () => {
    const result = await runCli(['dead-letters', 'list'], env);

    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+ACCOUNT\s+ATTEMPTS\s+PARKED AT\s+ERROR$/);
    const row = (event: Stripe.Event) => lines.find((line) => line.startsWith(event.id)) ?? '';
    expect(row(events.retriedInvoice)).toMatch(/invoice\.paid\s+-\s+7\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+TRANSIENT: Stripe answered 500$/);
    expect(row(events.hostUpdate)).toMatch(/account\.updated\s+acct_1DeadLetterHost\s+7\s+.*database timeout$/);
    expect(row(events.crashingSubscription)).toMatch(/customer\.subscription\.updated\s+-\s+-\s+.*parked by the broker: delivery_limit/);
    expect(lines.at(-1)).toMatch(/^4 messages listed of 4 parked in parked_events$/);
    expect(await parkedCount()).toBe(4);
  });

  it('filters by type glob and age, by account, and by error text', async () => {
    expect((await listJson('--type', 'invoice.*', '--older-than', '1d')).map((message) => message.id)).toEqual([events.retriedInvoice.id]);
    const [host] = await listJson('--account', 'acct_1DeadLetterHost', '--error', 'TIMEOUT');
    expect(host).toMatchObject({ id: events.hostUpdate.id, type: 'account.updated', attempts: 7, error: 'database timeout', parkedBy: 'worker' });
    expect(await parkedCount()).toBe(4);
  });

  it('stops at --limit', async () => {
    expect(await listJson('--limit', '2')).toHaveLength(2);
  });

  it('lists without the broker: parked events live in PostgreSQL', async () => {
    const result = await runCli(['dead-letters', 'list', '--json'], { DATABASE_URL: db.url, RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(4);
  });
});

describe('dead-letters replay', () => {
  it('--dry-run shows what would be replayed and changes nothing', async () => {
    const result = await runCli(['dead-letters', 'replay', '--type', 'invoice.paid', '--dry-run'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(events.retriedInvoice.id);
    expect(result.stdout).toContain(events.brokenInvoice.id);
    expect(result.stdout).toMatch(/dry run: would replay 2 messages from parked_events/);
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
    expect(await parkedIds()).toEqual(ids(...Object.values(events)));
  });

  it('puts matching messages back on the work queue as they were, without the failure, and removes them from parked_events', async () => {
    const result = await runCli(['dead-letters', 'replay', '--type', 'invoice.*', '--yes'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/replayed 2 messages from parked_events to \S+\.stripe\.events\.work/);
    const replayed = await broker.drain(broker.names.workQueue, { max: 10 });
    expect(replayed.map((message) => message.properties.messageId as string).sort()).toEqual(ids(events.retriedInvoice, events.brokenInvoice));
    const copy = replayed.find((message) => message.properties.messageId === events.retriedInvoice.id)!;
    expect(JSON.parse(copy.content.toString())).toEqual(JSON.parse(JSON.stringify(events.retriedInvoice)));
    expect(copy.properties).toMatchObject({ type: 'invoice.paid', contentType: 'application/json', deliveryMode: 2 });
    expect(copy.properties.headers).toMatchObject({ endpoint: 'platform', livemode: false, 'x-routing-key': 'platform.invoice.paid' });
    expect(Object.keys(copy.properties.headers ?? {})).not.toEqual(expect.arrayContaining(['x-attempts']));
    expect(copy.properties.headers?.['x-last-error']).toBeUndefined();
    expect(copy.properties.headers?.['x-parked-at']).toBeUndefined();
    expect(Date.parse(String(copy.properties.headers?.['x-replayed-at']))).not.toBeNaN();
    expect(await parkedIds()).toEqual(ids(events.hostUpdate, events.crashingSubscription));
  });

  it('replays a message the delivery limit parked without its x-death history', async () => {
    const result = await runCli(['dead-letters', 'replay', '--error', 'delivery_limit', '--yes'], env);

    expect(result.code).toBe(0);
    const [copy] = await broker.drain(broker.names.workQueue);
    expect(copy?.properties.messageId).toBe(events.crashingSubscription.id);
    expect(copy?.properties.headers?.['x-death']).toBeUndefined();
    expect(copy?.properties.headers?.['x-first-death-reason']).toBeUndefined();
    expect(await parkedCount()).toBe(3);
  });

  it('replays no more than --limit', async () => {
    const result = await runCli(['dead-letters', 'replay', '--limit', '1', '--yes'], env);

    expect(result.code).toBe(0);
    expect(await broker.depth(broker.names.workQueue)).toBe(1);
    expect(await parkedCount()).toBe(3);
  });

  it('stops after the message in hand on Ctrl-C, says how far it got, and leaves the rest parked', async () => {
    const replay = startApp(cliEntry, env, ['dead-letters', 'replay', '--yes', '--rate', '1']);
    await waitFor(async () => (await broker.depth(broker.names.workQueue)) >= 1, { timeoutMs: 15_000, what: 'the first replayed message' });

    replay.child.kill('SIGINT');

    expect(await replay.exited).toBe(130);
    expect(replay.output()).toMatch(/replayed \d messages? from/);
    expect(replay.output()).toMatch(/error: interrupted after \d of 4; the rest are still in parked_events/);
    const replayed = await broker.depth(broker.names.workQueue);
    expect(replayed).toBeLessThan(4);
    expect(await parkedCount()).toBe(4 - replayed);
  });

  it('says in one line when the work queue does not exist, and leaves everything parked', async () => {
    const result = await runCli(['dead-letters', 'replay', '--yes'], { ...env, TOPOLOGY_PREFIX: 'tnosuchprefix.' });

    expect(result.code).not.toBe(0);
    expect(oneErrorLine(result)).toMatch(/queue tnosuchprefix\.stripe\.events\.work does not exist/);
    expect(await parkedCount()).toBe(4);
  });

  it('refuses to run without --yes when nobody can confirm', async () => {
    const result = await runCli(['dead-letters', 'replay'], env);

    expect(result.code).not.toBe(0);
    expect(oneErrorLine(result)).toMatch(/refusing to replay parked messages without confirmation: stdin is not a terminal; pass --yes/);
    expect(await parkedCount()).toBe(4);
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
  });
});

describe('dead-letters purge', () => {
  it('deletes only the matching messages', async () => {
    const dryRun = await runCli(['dead-letters', 'purge', '--account', 'acct_1DeadLetterHost', '--dry-run'], env);
    expect(dryRun.stdout).toMatch(/dry run: would delete 1 message from parked_events/);
    expect(await parkedCount()).toBe(4);

    const result = await runCli(['dead-letters', 'purge', '--account', 'acct_1DeadLetterHost', '--yes'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/purged 1 message from/);
    expect(await parkedIds()).toEqual(ids(events.retriedInvoice, events.brokenInvoice, events.crashingSubscription));
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
  });

  it('refuses to run without --yes when nobody can confirm', async () => {
    const result = await runCli(['dead-letters', 'purge', '--type', 'invoice.paid'], env);

    expect(result.code).not.toBe(0);
    oneErrorLine(result);
    expect(await parkedCount()).toBe(4);
  });
});

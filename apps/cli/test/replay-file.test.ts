import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { declareTopology } from '@pipeline/broker';
import { buildEvent } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type Stripe from 'stripe';
import { oneErrorLine, runCli } from './cli.ts';

const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  [broker, db] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase)]);
  await declareTopology(broker.channel, broker.names);
  dir = await mkdtemp(join(tmpdir(), 'cli-replay-'));
  env = { RABBITMQ_URL: services.rabbitmqUrl, DATABASE_URL: db.url, TOPOLOGY_PREFIX: broker.prefix };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await Promise.all([broker.cleanup(), db.drop()]);
});

beforeEach(async () => {
  await broker.channel.purgeQueue(broker.names.workQueue);
});

/** A file of events one JSON object a line, as Stripe's events API exports them. */
async function eventFile(name: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** Records an event as a worker that finished it would. */
async function markFinished(event: Stripe.Event, outcome: 'processed' | 'ignored' | 'failed'): Promise<void> {
  await db.pool.query(
    `INSERT INTO stripe_events (id, type, endpoint, account, livemode, event_created, outcome) VALUES ($1, $2, $3, $4, false, now(), $5)`,
    [event.id, event.type, event.account ? 'connect' : 'platform', event.account ?? null, outcome],
  );
}

describe('replay <file>', () => {
  it('publishes each line as the ingest would, and skips events a worker already finished', async () => {
    const fresh = buildEvent({ type: 'invoice.paid' });
    const connect = buildEvent({ type: 'account.updated', account: 'acct_1ReplayFileHost' });
    const done = buildEvent({ type: 'customer.subscription.updated' });
    const failedBefore = buildEvent({ type: 'invoice.payment_failed' });
    await markFinished(done, 'processed');
    await markFinished(failedBefore, 'failed');
    const lines = [fresh, connect, done, failedBefore].map((event) => JSON.stringify(event));
    const file = await eventFile('events.jsonl', lines);

    const result = await runCli(['replay', file], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^sent 3 events to \S+, skipped 1, failed 0$/m);
    const messages = await broker.drain(broker.names.workQueue, { max: 10 });
    const byId = new Map(messages.map((message) => [message.properties.messageId as string, message]));
    expect([...byId.keys()].sort()).toEqual([fresh.id, connect.id, failedBefore.id].sort());
    expect(byId.get(fresh.id)?.content.toString()).toBe(lines[0]);
    expect(byId.get(fresh.id)?.fields.routingKey).toBe('platform.invoice.paid');
    expect(byId.get(connect.id)?.fields.routingKey).toBe('connect.account.updated');
    expect(byId.get(connect.id)?.properties.headers).toMatchObject({ endpoint: 'connect', account: 'acct_1ReplayFileHost' });

    const forced = await runCli(['replay', '--force', file], env);
    expect(forced.stdout).toMatch(/^sent 4 events/m);
  });

  it('checks every line first: a bad line is reported by number and nothing is sent', async () => {
    const good = JSON.stringify(buildEvent({ type: 'invoice.paid' }));
    const typeless = JSON.stringify({ ...(JSON.parse(good) as object), type: 7 });
    const file = await eventFile('bad.jsonl', [good, typeless, good]);

    const result = await runCli(['replay', file], env);

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toMatch(/^error: line 2: not a Stripe event: type: /);
    expect(await broker.depth(broker.names.workQueue)).toBe(0);

    const broken = await eventFile('broken.jsonl', [good, good, '{"id": "evt_1", ']);
    const notJson = await runCli(['replay', broken], env);
    expect(oneErrorLine(notJson)).toMatch(/^error: line 3: not JSON/);
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
  });

  it('says in one line when the file cannot be read', async () => {
    const result = await runCli(['replay', join(dir, 'missing.jsonl')], env);

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toMatch(/^error: cannot read .*missing\.jsonl: ENOENT/);
  });
});

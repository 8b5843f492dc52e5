import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { declareTopology } from '@pipeline/broker';
import { buildEvent } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startStripeEmulator, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type Stripe from 'stripe';
import { oneErrorLine, runCli } from './cli.ts';

const services = inject('services');
const host = 'acct_1ReconcileHost0';
const nowS = Math.floor(Date.now() / 1000);
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let env: Record<string, string>;

/** What Stripe holds: undelivered events of the platform and of one host, and some that must not come back. */
const events = {
  undeliveredInvoice: buildEvent({ type: 'invoice.paid', created: nowS - 3_600 }),
  undeliveredButProcessed: buildEvent({ type: 'customer.subscription.updated', created: nowS - 7_200 }),
  undeliveredHostUpdate: buildEvent({ type: 'account.updated', account: host, created: nowS - 600 }),
  hostPayoutProcessed: buildEvent({ type: 'payout.failed', account: host, created: nowS - 900 }),
  delivered: buildEvent({ type: 'invoice.paid', created: nowS - 60 }),
  tooOld: buildEvent({ type: 'invoice.paid', created: nowS - 3 * 86_400 }),
};

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([
    createTestBroker(services.rabbitmqUrl),
    createTestDatabase(services.databaseUrl, services.templateDatabase),
    startStripeEmulator(),
  ]);
  await declareTopology(broker.channel, broker.names);
  await emulator.seedAccounts([{ id: host }, { id: 'acct_1ReconcileQuiet' }]);
  const { delivered, ...undelivered } = events;
  await emulator.seedEvents(Object.values(undelivered), { deliverySuccess: false });
  await emulator.seedEvents([delivered], { deliverySuccess: true });
  for (const event of [events.undeliveredButProcessed, events.hostPayoutProcessed]) {
    await db.pool.query(`INSERT INTO stripe_events (id, type, endpoint, account, livemode, event_created, outcome) VALUES ($1, $2, $3, $4, false, now(), 'processed')`, [
      event.id,
      event.type,
      event.account ? 'connect' : 'platform',
      event.account ?? null,
    ]);
  }
  env = {
    RABBITMQ_URL: services.rabbitmqUrl,
    DATABASE_URL: db.url,
    TOPOLOGY_PREFIX: broker.prefix,
    STRIPE_SECRET_KEY: 'sk_test_fake_cli_reconcile_key',
    STRIPE_API_BASE: emulator.url,
  };
});

afterAll(async () => {
  await Promise.all([broker.cleanup(), db.drop(), emulator.stop()]);
});

beforeEach(async () => {
  await broker.channel.purgeQueue(broker.names.workQueue);
});

const ids = (...list: Stripe.Event[]): string[] => list.map((event) => event.id).sort();

describe('reconcile', () => {
  it('--dry-run lists the undelivered, unprocessed events of the platform and its hosts, and publishes nothing', async () => {
    const result = await runCli(['reconcile', '--since', '1d', '--dry-run'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/found 4 undelivered events since .* \(platform and 2 connected accounts\); 2 already finished/);
    expect(result.stdout).toMatch(new RegExp(`^${events.undeliveredInvoice.id}\\s+invoice\\.paid\\s+-$`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^${events.undeliveredHostUpdate.id}\\s+account\\.updated\\s+${host}$`, 'm'));
    expect(result.stdout).not.toContain(events.undeliveredButProcessed.id);
    expect(result.stdout).toMatch(/dry run: would publish 2 events/);
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
  });

  it('publishes the undelivered events no worker finished, each to its endpoint, and summarises by type', async () => {
    const result = await runCli(['reconcile', '--since', '1d'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^sent 2 events to \S+, skipped 2, failed 0$/m);
    expect(result.stdout).toMatch(/^ {2}account\.updated\s+1$/m);
    expect(result.stdout).toMatch(/^ {2}invoice\.paid\s+1$/m);
    const messages = await broker.drain(broker.names.workQueue, { max: 10 });
    expect(messages.map((message) => message.properties.messageId as string).sort()).toEqual(ids(events.undeliveredInvoice, events.undeliveredHostUpdate));
    const hostMessage = messages.find((message) => message.properties.messageId === events.undeliveredHostUpdate.id)!;
    expect(hostMessage.fields.routingKey).toBe('connect.account.updated');
    expect(hostMessage.properties.headers).toMatchObject({ endpoint: 'connect', account: host });
    expect(JSON.parse(hostMessage.content.toString())).toMatchObject({ id: events.undeliveredHostUpdate.id, account: host, type: 'account.updated' });
  });

  it('refuses to look back further than Stripe keeps events', async () => {
    const result = await runCli(['reconcile', '--since', '31d'], env);

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toMatch(/goes back more than 30 days/);
  });
});

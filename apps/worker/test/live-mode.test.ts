import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, createLogger } from '@pipeline/core';
import { buildEvent, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startStripeEmulator, waitFor, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import { loadConfig, type WorkerConfig } from '../src/config.ts';
import { startWorker, type Worker } from '../src/worker.ts';
import { book, invoicePaidEvent, publishEvent, workerEnv } from './harness.ts';

const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let env: Record<string, string>;
let worker: Worker;

const logger = createLogger({ name: 'worker', level: 'silent' });

/**
 * A live-mode worker's config. loadConfig refuses a live key with the emulator's http URL
 * (config.test.ts proves that rule); the worker itself trusts the config it is given, so
 * the attacks run through a config that is loadConfig's own but for the key and its mode.
 * No TLS emulator is needed, and the Stripe SDK is not patched.
 */
function liveConfig(): WorkerConfig {
  return { ...loadConfig(env), STRIPE_SECRET_KEY: 'sk_live_fake_worker_key_example', livemode: true };
}

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase), startStripeEmulator()]);
  env = workerEnv({ broker, databaseUrl: db.url, emulator, rabbitmqUrl: services.rabbitmqUrl });
  worker = await startWorker(liveConfig(), logger);
  await waitFor(() => worker.consumer.ready, { what: 'the live worker to consume' });
});

afterAll(async () => {
  await worker.stop();
  await Promise.all([broker.cleanup([300, 600]), db.drop(), emulator.stop()]);
});

async function recordOf(id: string): Promise<{ outcome: string; livemode: boolean; effects: unknown } | undefined> {
  const { rows } = await db.pool.query<{ outcome: string; livemode: boolean; effects: unknown }>('SELECT outcome, livemode, effects FROM stripe_events WHERE id = $1', [id]);
  return rows[0];
}

async function settled(id: string, outcome: string): Promise<{ outcome: string; livemode: boolean; effects: unknown }> {
  return waitFor(async () => {
    const record = await recordOf(id);
    return record?.outcome === outcome ? record : undefined;
  }, { what: `event ${id} to be ${outcome}` });
}

async function transfersOf(host: string): Promise<Array<{ status: string }>> {
  const { rows } = await db.pool.query<{ status: string }>('SELECT status FROM host_transfers WHERE host_account_id = $1', [host]);
  return rows;
}

const transferCallsTo = async (host: string) =>
  (await emulator.calls({ path: '/v1/transfers' })).filter((call) => call.method === 'POST' && call.params.destination === host);

const onboarding = { charges_enabled: false, payouts_enabled: false, details_submitted: true };
const onboarded = { charges_enabled: true, payouts_enabled: true, details_submitted: true, requirements: { currently_due: [], past_due: [] } };

describe('a live-mode worker', () => {
  it("pays nothing when a test-mode account.updated enables payouts for a host with live held transfers, and records why", async () => {
    const host = stripeId('acct', 16);
    const now = Math.floor(Date.now() / 1000);
    const liveOnboarding = buildEvent({ type: 'account.updated', account: host, livemode: true, created: now - 60, object: onboarding });
    await publishEvent(broker, liveOnboarding);
    await settled(liveOnboarding.id, 'processed');
    const customer = stripeId('cus');
    await book(db.pool, customer, host, 3, new Date(Date.now() - 86_400_000));
    const invoice = invoicePaidEvent(customer, 10_000, { livemode: true });
    await publishEvent(broker, invoice);
    await settled(invoice.id, 'processed');
    expect(await transfersOf(host)).toEqual([{ status: 'held' }]);

    // Same acct_ id, test mode, newer: on the live Connect endpoint, as Stripe sends it.
    const testPayouts = buildEvent({ type: 'account.updated', account: host, livemode: false, created: now - 30, object: onboarded });
    await publishEvent(broker, testPayouts);
    const record = await settled(testPayouts.id, 'ignored');
    expect(record).toEqual({ outcome: 'ignored', livemode: false, effects: { reason: "livemode mismatch: a test-mode event, and this worker's key is live-mode" } });
    expect(await transfersOf(host)).toEqual([{ status: 'held' }]);
    expect(await transferCallsTo(host)).toEqual([]);
    const { rows: hosts } = await db.pool.query<{ payouts_enabled: boolean }>('SELECT payouts_enabled FROM hosts WHERE account_id = $1', [host]);
    expect(hosts).toEqual([{ payouts_enabled: false }]);

    // The same update in live mode does pay: the test above is not passing for another reason.
    const livePayouts = buildEvent({ type: 'account.updated', account: host, livemode: true, created: now, object: onboarded });
    await publishEvent(broker, livePayouts);
    await settled(livePayouts.id, 'processed');
    expect(await transfersOf(host)).toEqual([{ status: 'paid' }]);
    const calls = await transferCallsTo(host);
    expect(calls.filter((call) => call.status === 200)).toHaveLength(1);
  });

  it('leaves a live host connected and its listings shown when a test-mode account.application.deauthorized arrives, and records why', async () => {
    const host = stripeId('acct', 16);
    const liveOnboarded = buildEvent({ type: 'account.updated', account: host, livemode: true, object: onboarded });
    await publishEvent(broker, liveOnboarded);
    await settled(liveOnboarded.id, 'processed');

    const testDeauthorized = buildEvent({ type: 'account.application.deauthorized', account: host, livemode: false });
    await publishEvent(broker, testDeauthorized);
    const record = await settled(testDeauthorized.id, 'ignored');
    expect(record.effects).toEqual({ reason: "livemode mismatch: a test-mode event, and this worker's key is live-mode" });
    const { rows } = await db.pool.query<{ deauthorized_at: Date | null; listings_hidden: boolean; payouts_enabled: boolean }>(
      'SELECT deauthorized_at, listings_hidden, payouts_enabled FROM hosts WHERE account_id = $1',
      [host],
    );
    expect(rows).toEqual([{ deauthorized_at: null, listings_hidden: false, payouts_enabled: true }]);
  });

  it('records an event type no command handles as ignored, with the reason', async () => {
    const event = buildEvent({ type: 'customer.created', livemode: true });
    await publishEvent(broker, event);
    const record = await settled(event.id, 'ignored');
    expect(record.effects).toEqual({ reason: 'no command for platform events of type customer.created' });
  });

  it("refuses to start a test-mode worker on its database, naming STRIPE_SECRET_KEY and the database's mode", async () => {
    const refused = await startWorker(loadConfig(env), logger);
    // The health server answers at once; the claim comes once the database answered, before consuming.
    const start = refused.started;
    await expect(start).rejects.toThrow(ConfigError);
    await refused.stop();
    expect(refused.consumer.ready).toBe(false);
    await expect(start).rejects.toThrow(/^STRIPE_SECRET_KEY is a test-mode key, but the database \(DATABASE_URL\) serves live mode since \S+: use a live-mode key/);
    const { rows } = await db.pool.query<{ livemode: boolean }>('SELECT livemode FROM deployment');
    expect(rows).toEqual([{ livemode: true }]);
  });
});

describe('a test-mode worker', () => {
  let testBroker: TestBroker;
  let testDb: TestDatabase;
  let testWorker: Worker;

  beforeAll(async () => {
    [testBroker, testDb] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase)]);
    testWorker = await startWorker(loadConfig({ ...env, DATABASE_URL: testDb.url, TOPOLOGY_PREFIX: testBroker.prefix }), logger);
    await waitFor(() => testWorker.consumer.ready, { what: 'the test-mode worker to consume' });
  });

  afterAll(async () => {
    await testWorker.stop();
    await Promise.all([testBroker.cleanup([300, 600]), testDb.drop()]);
  });

  it('records a live-mode event as ignored with the reason, and runs nothing', async () => {
    const event = buildEvent({ type: 'customer.subscription.created', livemode: true });
    await publishEvent(testBroker, event);
    const record = await waitFor(async () => {
      const { rows } = await testDb.pool.query<{ outcome: string; effects: unknown }>('SELECT outcome, effects FROM stripe_events WHERE id = $1', [event.id]);
      return rows[0];
    }, { what: 'the live event to be recorded' });
    expect(record).toEqual({ outcome: 'ignored', effects: { reason: "livemode mismatch: a live-mode event, and this worker's key is test-mode" } });
    const { rows } = await testDb.pool.query('SELECT 1 FROM subscriptions WHERE id = $1', [(event.data.object as { id: string }).id]);
    expect(rows).toEqual([]);
    const { rows: mode } = await testDb.pool.query<{ livemode: boolean }>('SELECT livemode FROM deployment');
    expect(mode).toEqual([{ livemode: false }]);
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { declareTopology } from '@pipeline/broker';
import { localExampleSecrets } from '@pipeline/core';
import { createTestBroker, createTestDatabase, startApp, startStripeEmulator, waitFor, type RunningProcess, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import { oneErrorLine, runCli } from './cli.ts';

// The CLI against a stack as `npm start` runs it (issue 15): an ingest with the local example
// secrets, a worker calling the Stripe emulator, a real broker and database. The CLI is given
// no webhook secret: it must fall back to the examples because INGEST_URL is local.
const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let ingest: RunningProcess;
let worker: RunningProcess;
let env: Record<string, string>;

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([
    createTestBroker(services.rabbitmqUrl),
    createTestDatabase(services.databaseUrl, services.templateDatabase),
    startStripeEmulator(),
  ]);
  await declareTopology(broker.channel, broker.names);
  const shared = { RABBITMQ_URL: services.rabbitmqUrl, TOPOLOGY_PREFIX: broker.prefix, METRICS_PORT: '0', LOG_LEVEL: 'info' };
  worker = startApp('apps/worker/src/main.ts', {
    ...shared,
    DATABASE_URL: db.url,
    STRIPE_SECRET_KEY: 'sk_test_fake_cli_local_stack',
    STRIPE_API_BASE: emulator.url,
    STRIPE_MAX_NETWORK_RETRIES: '0',
    WORKER_RETRY_DELAYS: '300ms',
    METRICS_HOST: '127.0.0.1',
  });
  ingest = startApp('apps/ingest/src/main.ts', { ...shared, ...localExampleSecrets, PORT: '0', HOST: '127.0.0.1' });
  const url = String((await ingest.waitForLog((line) => line.msg === 'listening', 30_000)).url);
  await Promise.all([
    worker.waitForLog((line) => line.msg === 'consuming', 30_000),
    waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { what: 'the ingest to be ready' }),
  ]);
  env = {
    INGEST_URL: url,
    RABBITMQ_URL: services.rabbitmqUrl,
    DATABASE_URL: db.url,
    TOPOLOGY_PREFIX: broker.prefix,
    STRIPE_SECRET_KEY: 'sk_test_fake_cli_local_stack',
    STRIPE_API_BASE: emulator.url,
  };
});

afterAll(async () => {
  await Promise.all([ingest.stop(), worker.stop()]);
  await Promise.all([broker.cleanup([300]), db.drop(), emulator.stop()]);
});

async function outcomeOf(id: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ outcome: string }>('SELECT outcome FROM stripe_events WHERE id = $1', [id]);
  return rows[0]?.outcome;
}

describe('trigger against the local stack', () => {
  it('signs with the example secret when INGEST_URL is local and the secret is unset, and says so', async () => {
    const result = await runCli(['trigger', 'customer.subscription.created'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^200 OK$/m);
    expect(result.stderr).toContain("STRIPE_WEBHOOK_SECRET_PLATFORM is unset and INGEST_URL is local: signing with the local stack's example secret");
  });

  it('never defaults a secret for an ingest that is not on this machine', async () => {
    const result = await runCli(['trigger', 'invoice.paid'], { ...env, INGEST_URL: 'https://ingest.example.com' });

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toMatch(/STRIPE_WEBHOOK_SECRET_PLATFORM/);
  });

  it('--undelivered records the event in the emulator without posting it, and reconcile feeds it in', async () => {
    const recorded = await runCli(['trigger', 'account.updated', '--undelivered'], env);
    expect(recorded.code).toBe(0);
    const id = /^recorded (evt_\w+) \(account\.updated, account acct_\w+\) as undelivered/m.exec(recorded.stdout)?.[1];
    expect(id).toBeDefined();
    expect(await outcomeOf(id!)).toBeUndefined();

    const reconciled = await runCli(['reconcile', '--since', '1h'], env);
    expect(reconciled.code).toBe(0);
    expect(reconciled.stdout).toMatch(/^found 1 undelivered event since .*; 0 already finished$/m);
    expect(reconciled.stdout).toMatch(/^sent 1 event to \S+, skipped 0, failed 0$/m);
    await waitFor(async () => (await outcomeOf(id!)) === 'processed', { what: 'the reconciled event to be processed' });

    const again = await runCli(['reconcile', '--since', '1h'], env);
    expect(again.stdout).toMatch(/; 1 already finished$/m);
    expect(again.stdout).toMatch(/^nothing to publish$/m);
  });

  it('--undelivered refuses Stripe\'s own API: only the emulator can hold such events', async () => {
    const result = await runCli(['trigger', 'invoice.paid', '--undelivered'], { ...env, STRIPE_API_BASE: 'https://api.stripe.com' });

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toMatch(/--undelivered .* set STRIPE_API_BASE to the emulator's URL .*, not api\.stripe\.com/);
  });

  it('--poison sends a well-signed event the worker parks as permanent, which dead-letters can list and replay', async () => {
    const result = await runCli(['trigger', 'account.updated', '--poison'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^200 OK$/m);
    const id = /sent (evt_\w+)/.exec(result.stdout)![1]!;
    const parked = async (): Promise<number> => Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM parked_events WHERE event_id = $1', [id])).rows[0]?.n);
    await waitFor(async () => (await parked()) === 1, { what: 'the poison event to be parked' });

    const listed = await runCli(['dead-letters', 'list'], env);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+account\\.updated\\s+acct_\\w+\\s+1\\s+\\S+\\s+PERMANENT: account\\.updated event ${id} cannot be applied`, 'm'));

    const replayed = await runCli(['dead-letters', 'replay', '--yes'], env);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/replayed 1/);
    // Its failure is permanent: the replayed copy fails the same way and is parked again.
    await waitFor(async () => (await parked()) === 1 && (await outcomeOf(id)) === 'failed', { what: 'the replayed poison event to be parked again' });
  });

  it('--poison is only for account.updated, and says how to use it', async () => {
    const result = await runCli(['trigger', 'invoice.paid', '--poison'], env);

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toContain('run trigger account.updated --poison');
  });
});

describe('demo', () => {
  it('tells the money story step by step, and can be run again with fresh ids', async () => {
    for (const run of [1, 2]) {
      const result = await runCli(['demo'], env);

      expect(result.code, `run ${run}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/^ {2}host acct_\w+: pending, payouts not enabled \(due: external_account\)$/m);
      expect(result.stdout).toMatch(/^ {2}subscription sub_\w+: active, access granted, tier hub_pro$/m);
      expect(result.stdout).toMatch(/^ {2}invoice in_\w+: paid \$100\.00, platform fee \$\d+\.\d\d \(\d+%\)$/m);
      expect(result.stdout).toMatch(/^ {4}host acct_\w+: 3\.00 hours, \$\d+\.\d\d: paid \(tr_\w+\)$/m);
      expect(result.stdout).toMatch(/^ {4}host acct_\w+: 1\.00 hours, \$\d+\.\d\d: held until its payouts are enabled$/m);
      expect(result.stdout).toMatch(/^ {4}released \$\d+\.\d\d for invoice in_\w+ \(tr_\w+\)$/m);
      expect(result.stdout).toMatch(/^ {2}charge ch_\w+ of invoice in_\w+: refunded \$25\.00 of \$100\.00$/m);
      const reversals = [...result.stdout.matchAll(/^ {4}host (acct_\w+): \$(\d+\.\d\d) reversed \((trr_\w+)\)$/gm)];
      expect(reversals, result.stdout).toHaveLength(2);
      expect(new Set(reversals.map((match) => match[1])).size).toBe(2);
      // Proportional: the hosts give back a quarter of what they were paid (3 hours and 1 hour of the hosts' part).
      const paid = [...result.stdout.matchAll(/^ {4}host (acct_\w+): \d\.00 hours, \$(\d+\.\d\d): /gm)];
      for (const [, host, amount] of reversals) {
        const owed = Number(paid.find((match) => match[1] === host)?.[2]) * 100;
        expect(Math.abs(Number(amount) * 100 - owed / 4), `${host} gave back ${amount} of ${owed / 100}`).toBeLessThanOrEqual(1);
      }
    }
  });
});

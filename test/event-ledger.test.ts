import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordFailure, recordOutcome, withEventTransaction, type LedgerEvent } from '@pipeline/db';
import { stripeId } from '@pipeline/stripe-events';
import { createTestDatabase, type TestDatabase } from '@pipeline/testkit';

// The ledger's transaction against the real PostgreSQL: what the worker's exactly-once rests on.
const services = inject('services');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(services.databaseUrl, services.templateDatabase);
});

afterAll(async () => {
  await db.drop();
});

function ledgerEvent(id = stripeId('evt')): LedgerEvent {
  return { id, type: 'customer.subscription.created', endpoint: 'platform', account: undefined, livemode: false, created: 1_700_000_000 };
}

async function outcomeOf(id: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ outcome: string }>('SELECT outcome FROM stripe_events WHERE id = $1', [id]);
  return rows[0]?.outcome;
}

async function waitingForAdvisoryLock(): Promise<number> {
  const { rows } = await db.pool.query<{ waiting: number }>(
    "SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  );
  return rows[0]?.waiting ?? 0;
}

describe('withEventTransaction', () => {
  it('runs the work once: a second run of a processed event answers duplicate without running it', async () => {
    const event = ledgerEvent();
    let runs = 0;
    const process = () =>
      withEventTransaction(db.pool, event.id, async (client) => {
        runs += 1;
        await recordOutcome(client, event, 'processed', 1, { ran: runs });
        return 'ran';
      });
    expect(await process()).toBe('ran');
    expect(await process()).toBe('duplicate');
    expect(runs).toBe(1);
    expect(await outcomeOf(event.id)).toBe('processed');
  });

  it('runs the work again after a failed attempt, which is not a final outcome', async () => {
    const event = ledgerEvent();
    await recordFailure(db.pool, event, 'retrying', 1, 'the Stripe API timed out');
    expect(await withEventTransaction(db.pool, event.id, (client) => recordOutcome(client, event, 'processed', 2, undefined).then(() => 'ran'))).toBe('ran');
    expect(await outcomeOf(event.id)).toBe('processed');
  });

  it('rolls everything back when the work throws, and the next holder proceeds', async () => {
    const event = ledgerEvent();
    const failing = withEventTransaction(db.pool, event.id, async (client) => {
      await recordOutcome(client, event, 'processed', 1, undefined);
      throw new Error('the command failed');
    });
    await expect(failing).rejects.toThrow('the command failed');
    expect(await outcomeOf(event.id)).toBeUndefined();
    expect(await withEventTransaction(db.pool, event.id, () => Promise.resolve('ran'))).toBe('ran');
  });

  it('makes a concurrent holder of the same id wait, then see the first one committed', async () => {
    const event = ledgerEvent();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const first = withEventTransaction(db.pool, event.id, async (client) => {
      order.push('first runs');
      await held;
      await recordOutcome(client, event, 'processed', 1, undefined);
      return 'first';
    });
    // The first holds the lock once its work started.
    await expect.poll(() => order.length, { timeout: 10_000 }).toBe(1);
    const second = withEventTransaction(db.pool, event.id, () => {
      order.push('second runs');
      return Promise.resolve('second');
    });
    // The second is queued on the advisory lock, not merely late.
    await expect.poll(() => waitingForAdvisoryLock(), { timeout: 10_000 }).toBe(1);
    expect(order).toEqual(['first runs']);
    release();
    expect(await Promise.all([first, second])).toEqual(['first', 'duplicate']);
    expect(order).toEqual(['first runs']);
  });

  it('takes any id as a literal: quotes and backslashes neither break nor inject SQL', async () => {
    const event = ledgerEvent(String.raw`evt_o'brien\'; DROP TABLE stripe_events; --`);
    expect(await withEventTransaction(db.pool, event.id, (client) => recordOutcome(client, event, 'processed', 1, undefined).then(() => 'ran'))).toBe('ran');
    expect(await withEventTransaction(db.pool, event.id, () => Promise.resolve('ran'))).toBe('duplicate');
    expect(await outcomeOf(event.id)).toBe('processed');
  });
});

import type { PoolClient, Pool } from 'pg';
import { finalOutcomes, type Outcome } from './stripe-events.ts';

/** What the ledger stores about an event besides its outcome. */
export interface LedgerEvent {
  readonly id: string;
  readonly type: string;
  readonly endpoint: 'platform' | 'connect';
  readonly account: string | undefined;
  readonly livemode: boolean;
  /** Stripe's `created`, Unix seconds. */
  readonly created: number;
}

/**
 * Serialises every worker that holds the same event id, until the end of `db`'s
 * transaction, then says whether the event already reached a final outcome. Two replicas
 * that receive one event at once run its command one after the other, and the second sees
 * the first's committed row. (A hash collision between two different ids only makes them
 * wait for each other.)
 */
export async function lockEventAndCheckDone(db: PoolClient, eventId: string): Promise<boolean> {
  await db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [eventId]);
  const { rows } = await db.query<{ outcome: Outcome }>('SELECT outcome FROM stripe_events WHERE id = $1', [eventId]);
  const outcome = rows[0]?.outcome;
  return outcome !== undefined && finalOutcomes.includes(outcome);
}

const upsert = `
  INSERT INTO stripe_events (id, type, endpoint, account, livemode, event_created, outcome, attempts, last_error, effects, first_seen_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8, $9, $10, clock_timestamp(), clock_timestamp())
  ON CONFLICT (id) DO UPDATE SET
    outcome = excluded.outcome,
    attempts = GREATEST(stripe_events.attempts, excluded.attempts),
    last_error = COALESCE(excluded.last_error, stripe_events.last_error),
    effects = COALESCE(excluded.effects, stripe_events.effects),
    updated_at = excluded.updated_at`;
// clock_timestamp(), not now(): now() is when the transaction began, before the command ran.

/**
 * Records the event's final outcome in the same transaction as the command's effects, so
 * the row exists exactly when the effects do.
 */
export async function recordOutcome(
  db: PoolClient,
  event: LedgerEvent,
  outcome: 'processed' | 'ignored' | 'stale',
  attempts: number,
  effects: unknown,
): Promise<void> {
  await db.query(upsert, [event.id, event.type, event.endpoint, event.account ?? null, event.livemode, event.created, outcome, attempts, null, effects === undefined ? null : JSON.stringify(effects)]);
}

/**
 * Records a failed attempt (`retrying`, or `failed` once parked) outside any command
 * transaction. Never overwrites a final outcome: a late failure report of a redelivered
 * copy must not hide that another copy succeeded.
 */
export async function recordFailure(pool: Pool, event: LedgerEvent, outcome: 'retrying' | 'failed', attempts: number, lastError: string): Promise<void> {
  await pool.query(
    `${upsert} WHERE stripe_events.outcome <> ALL($11)`,
    [event.id, event.type, event.endpoint, event.account ?? null, event.livemode, event.created, outcome, attempts, lastError.slice(0, 2_000), null, finalOutcomes],
  );
}

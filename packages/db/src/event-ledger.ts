import type { Endpoint } from '@pipeline/broker';
import pg, { type PoolClient, type Pool } from 'pg';
import { withTransaction } from './pool.ts';
import { finalOutcomes, type Outcome } from './stripe-events.ts';

/** What the ledger stores about an event besides its outcome. */
export interface LedgerEvent {
  readonly id: string;
  readonly type: string;
  readonly endpoint: Endpoint;
  readonly account: string | undefined;
  readonly livemode: boolean;
  /** Stripe's `created`, Unix seconds. */
  readonly created: number;
}

/**
 * Runs `work` in a transaction that holds `eventId`, unless the event already reached a final
 * outcome: then answers `'duplicate'` without running it. An advisory lock on the id,
 * held until the end of the transaction, serialises every worker that holds the same event:
 * two replicas that receive one event at once run its command one after the other, and the
 * second sees the first's committed row. (A hash collision between two different ids only
 * makes them wait for each other.)
 *
 * BEGIN, the lock and the read of the outcome go to PostgreSQL as one simple-protocol
 * query, one round trip instead of three: round trips are most of what a worker spends per
 * event. They are three statements, not one, because under READ COMMITTED each statement
 * reads a fresh snapshot: the read is taken after the lock is granted, so it sees the row
 * that the previous holder committed. The isolation level is therefore set explicitly, not
 * left to the server's default: under REPEATABLE READ the snapshot would predate the wait.
 * The simple protocol takes no parameters, so the id is escaped as a literal (the worker's
 * ids are `evt_` and word characters anyway).
 */
export async function withEventTransaction<T>(pool: Pool, eventId: string, work: (db: PoolClient) => Promise<T>): Promise<T | 'duplicate'> {
  return withTransaction(
    pool,
    async (db, opened) => {
      // Anything but the three results expected would read as "not processed yet".
      const read = opened[2];
      if (opened.length !== 3 || read?.command !== 'SELECT') throw new Error(`unexpected answer to the event's opening: ${opened.map((result) => result.command).join(', ')}`);
      const outcome = (read.rows[0] as { outcome: Outcome } | undefined)?.outcome;
      if (outcome !== undefined && finalOutcomes.includes(outcome)) return 'duplicate';
      return work(db);
    },
    openingFor(eventId),
  );
}

function openingFor(eventId: string): string {
  const id = pg.escapeLiteral(eventId);
  return `BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(hashtextextended(${id}, 0)); SELECT outcome FROM stripe_events WHERE id = ${id}`;
}

/**
 * The ledger's upsert. `startedAt` is the SQL for processing_started_at: `now()` inside the
 * event transaction is when that transaction began, so the row carries how long the settling
 * attempt took; a failure is recorded outside it and has no such start (`NULL`).
 */
function upsertWith(startedAt: 'now()' | 'NULL'): string {
  return `
  INSERT INTO stripe_events (id, type, endpoint, account, livemode, event_created, outcome, attempts, last_error, effects, first_seen_at, updated_at, processing_started_at)
  VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8, $9, $10, clock_timestamp(), clock_timestamp(), ${startedAt})
  ON CONFLICT (id) DO UPDATE SET
    outcome = excluded.outcome,
    attempts = GREATEST(stripe_events.attempts, excluded.attempts),
    last_error = COALESCE(excluded.last_error, stripe_events.last_error),
    effects = COALESCE(excluded.effects, stripe_events.effects),
    updated_at = excluded.updated_at,
    processing_started_at = excluded.processing_started_at`;
}
const upsertOutcome = upsertWith('now()');
const upsertFailure = upsertWith('NULL');
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
  // Named: each connection parses and plans it once, then only binds and executes it.
  await db.query({
    name: 'ledger-record-outcome',
    text: upsertOutcome,
    values: [event.id, event.type, event.endpoint, event.account ?? null, event.livemode, event.created, outcome, attempts, null, effects === undefined ? null : JSON.stringify(effects)],
  });
}

/**
 * Records a failed attempt (`retrying`, or `failed` once parked) outside any command
 * transaction. Never overwrites a final outcome: a late failure report of a redelivered
 * copy must not hide that another copy succeeded.
 */
export async function recordFailure(pool: Pool, event: LedgerEvent, outcome: 'retrying' | 'failed', attempts: number, lastError: string): Promise<void> {
  await pool.query(
    `${upsertFailure} WHERE stripe_events.outcome <> ALL($11)`,
    [event.id, event.type, event.endpoint, event.account ?? null, event.livemode, event.created, outcome, attempts, lastError.slice(0, 2_000), null, finalOutcomes],
  );
}

import type { Endpoint } from '@pipeline/broker';
import type { Pool } from 'pg';

export type Outcome = 'processed' | 'ignored' | 'stale' | 'retrying' | 'failed';

/** Outcomes after which an event id is never processed again; the one list every query uses. */
export const finalOutcomes: readonly Outcome[] = ['processed', 'ignored', 'stale'];

/** A row of `stripe_events`: how one Stripe event was processed. */
export interface StripeEventRecord {
  id: string;
  type: string;
  endpoint: Endpoint;
  account: string | null;
  livemode: boolean;
  eventCreated: Date;
  outcome: Outcome;
  attempts: number;
  lastError: string | null;
  effects: unknown;
  firstSeenAt: Date;
  updatedAt: Date;
}

const columns = `id, type, endpoint, account, livemode, event_created AS "eventCreated", outcome, attempts,
  last_error AS "lastError", effects, first_seen_at AS "firstSeenAt", updated_at AS "updatedAt"`;

/** The processing record of one event, or undefined if no worker has seen it. */
export async function findEvent(pool: Pool, id: string): Promise<StripeEventRecord | undefined> {
  const { rows } = await pool.query<StripeEventRecord>(`SELECT ${columns} FROM stripe_events WHERE id = $1`, [id]);
  return rows[0];
}

/** Which of `ids` have reached a final outcome (processed, ignored or stale). */
export async function findFinishedEventIds(pool: Pool, ids: readonly string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id FROM stripe_events WHERE id = ANY($1) AND outcome = ANY($2)',
    [ids, finalOutcomes],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Deletes records last touched before `olderThan`, in batches so a large prune never holds
 * long locks. Returns how many rows went. Keep at least 30 days: Stripe resends for 3 days.
 */
export async function pruneEvents(pool: Pool, olderThan: Date, batchSize = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM stripe_events WHERE id IN (
         SELECT id FROM stripe_events WHERE updated_at < $1 AND outcome <> 'retrying' LIMIT $2)`,
      [olderThan, batchSize],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}

import type { Endpoint } from '@pipeline/broker';
import type { Pool } from 'pg';
import { globToLike } from '../parked-events.ts';
import type { Outcome } from '../stripe-events.ts';

/**
 * The event feed: the ledger (`stripe_events`) as an operator watches it, newest first, for
 * `events list`, `events tail` and the console's live stream.
 */

/** One event of the feed. */
export interface FeedEvent {
  readonly id: string;
  readonly type: string;
  readonly endpoint: Endpoint;
  readonly account: string | null;
  readonly livemode: boolean;
  readonly outcome: Outcome;
  readonly attempts: number;
  readonly lastError: string | null;
  /** When the ledger row was last written: for a settled event, when it settled. */
  readonly settledAt: Date;
  /**
   * How long the attempt that settled the event took in the worker, in milliseconds (its
   * transaction's start to the ledger write); null when unknown (failed attempts, rows
   * older than migration 0005).
   */
  readonly latencyMs: number | null;
  /** Entries of `effects.transfers` (an invoice's host transfers, whatever their status); 0 without. */
  readonly transfers: number;
}

/** Which events to read. Every field narrows; an empty filter reads everything. */
export interface EventFeedFilter {
  /** Event type, or a glob (`*` any run of characters, `?` one character): `invoice.*`. */
  readonly type?: string | undefined;
  readonly account?: string | undefined;
  readonly endpoint?: Endpoint | undefined;
  /** Any of these outcomes. */
  readonly outcomes?: readonly Outcome[] | undefined;
  /** Settled (last written) at or after. */
  readonly since?: Date | undefined;
  /** Settled (last written) before. */
  readonly until?: Date | undefined;
  /** This event id only. */
  readonly id?: string | undefined;
}

/** The outcomes after which the workers are done with an event: final ones, and parked (`failed`). */
export const settledOutcomes: readonly Outcome[] = ['processed', 'ignored', 'stale', 'failed'];

/** Outcomes a feed filter accepts, for validating user input. */
export const feedOutcomes: readonly Outcome[] = ['processed', 'ignored', 'stale', 'retrying', 'failed'];

const columns = `id, type, endpoint, account, livemode, outcome, attempts, last_error AS "lastError",
  updated_at AS "settledAt",
  round(extract(epoch FROM updated_at - processing_started_at) * 1000)::integer AS "latencyMs",
  CASE WHEN jsonb_typeof(effects -> 'transfers') = 'array' THEN jsonb_array_length(effects -> 'transfers') ELSE 0 END AS transfers`;

/** The filter as SQL conditions, numbering its parameters after those already in `values`. */
function conditionsOf(filter: EventFeedFilter, values: unknown[]): string[] {
  const next = (value: unknown): string => `$${values.push(value)}`;
  const conditions: string[] = [];
  if (filter.type !== undefined) conditions.push(`type LIKE ${next(globToLike(filter.type))}`);
  if (filter.account !== undefined) conditions.push(`account = ${next(filter.account)}`);
  if (filter.endpoint !== undefined) conditions.push(`endpoint = ${next(filter.endpoint)}`);
  if (filter.outcomes !== undefined) conditions.push(`outcome = ANY(${next(filter.outcomes)})`);
  if (filter.since !== undefined) conditions.push(`updated_at >= ${next(filter.since)}`);
  if (filter.until !== undefined) conditions.push(`updated_at < ${next(filter.until)}`);
  if (filter.id !== undefined) conditions.push(`id = ${next(filter.id)}`);
  return conditions;
}

/** Thrown when a page's `before` cursor names an event the ledger does not hold. */
export class UnknownFeedCursorError extends Error {
  readonly eventId: string;

  constructor(eventId: string) {
    super(`no event ${eventId} in stripe_events to page before`);
    this.eventId = eventId;
    this.name = 'UnknownFeedCursorError';
  }
}

/**
 * One page of the feed, newest first (by settle time, then id). `before` is the id of the
 * last event of the previous page (keyset paging, like Stripe's list cursors): the page then
 * holds the events after it in this order. Throws UnknownFeedCursorError if `before` is not
 * in the ledger. Read `hasMore` to know whether another page follows.
 */
export async function listFeedEvents(
  pool: Pool,
  filter: EventFeedFilter,
  page: { readonly limit: number; readonly before?: string | undefined },
): Promise<{ events: FeedEvent[]; hasMore: boolean }> {
  const values: unknown[] = [];
  const conditions = conditionsOf(filter, values);
  if (page.before !== undefined) {
    const cursor = `(SELECT updated_at, id FROM stripe_events WHERE id = $${values.push(page.before)})`;
    conditions.push(`(updated_at, id) < ${cursor}`);
    const { rowCount } = await pool.query('SELECT 1 FROM stripe_events WHERE id = $1', [page.before]);
    if (rowCount === 0) throw new UnknownFeedCursorError(page.before);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const { rows } = await pool.query<FeedEvent>(
    `SELECT ${columns} FROM stripe_events ${where} ORDER BY updated_at DESC, id DESC LIMIT $${values.push(page.limit + 1)}`,
    values,
  );
  return { events: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

/**
 * The events that settled (outcome in `settledOutcomes`, further narrowed by the filter's
 * outcomes) at or after `after`, oldest first, at most `limit`; and `readAt`, the database's
 * clock when the read began, to start the next read from.
 *
 * A row's settle time is stamped inside its transaction and becomes visible only at commit,
 * so a row may appear later than rows stamped after it. A follower must therefore read again
 * from a little before `readAt` (a lookback of a few seconds: the worker commits right after
 * its ledger write) and drop the (id, settledAt) pairs it has already shown.
 */
export async function readSettledAfter(pool: Pool, filter: EventFeedFilter, after: Date, limit = 1_000): Promise<{ events: FeedEvent[]; readAt: Date }> {
  const outcomes = filter.outcomes === undefined ? settledOutcomes : filter.outcomes.filter((outcome) => settledOutcomes.includes(outcome));
  const values: unknown[] = [];
  const conditions = conditionsOf({ ...filter, outcomes, since: undefined }, values);
  const since = filter.since !== undefined && filter.since > after ? filter.since : after;
  conditions.push(`updated_at >= $${values.push(since)}`);
  const { rows } = await pool.query<FeedEvent & { readAt: Date }>(
    `SELECT ${columns}, now() AS "readAt" FROM stripe_events WHERE ${conditions.join(' AND ')}
      ORDER BY updated_at, id LIMIT $${values.push(limit)}`,
    values,
  );
  const readAt = rows[0]?.readAt ?? (await databaseNow(pool));
  return { events: rows.map(({ readAt: _readAt, ...event }) => event), readAt };
}

/** The database's clock: where a follower starts, so the client's clock never matters. */
export async function databaseNow(pool: Pool): Promise<Date> {
  const { rows } = await pool.query<{ now: Date }>('SELECT now() AS now');
  const now = rows[0]?.now;
  if (now === undefined) throw new Error('SELECT now() returned no row');
  return now;
}

import type { Pool } from 'pg';

/** Why an event was parked. */
export type ParkReason = 'permanent' | 'exhausted' | 'delivery-limit' | 'malformed' | 'unknown';

/** A parked event as the worker or its dead-queue drainer records it. */
export interface ParkedEventInput {
  /** The Stripe event id (the message id), when the message had one. */
  readonly eventId: string | undefined;
  readonly type: string | undefined;
  readonly endpoint: string | undefined;
  readonly account: string | undefined;
  readonly livemode: boolean | undefined;
  /** The exact message body. */
  readonly body: Buffer;
  /** The message's AMQP properties, headers included, as amqplib decoded them. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly lastError: string | undefined;
  readonly errorCode: string | undefined;
  readonly attempts: number | undefined;
  readonly reason: ParkReason;
  readonly parkedAt: Date;
}

/** A row of `parked_events`. */
export interface ParkedEventRecord {
  /** The row's own id (bigserial, as a string: it may exceed 2^53). */
  readonly id: string;
  readonly eventId: string | null;
  readonly type: string | null;
  readonly endpoint: string | null;
  readonly account: string | null;
  readonly livemode: boolean | null;
  readonly body: Buffer;
  readonly properties: Record<string, unknown>;
  readonly lastError: string | null;
  readonly errorCode: string | null;
  readonly attempts: number | null;
  readonly reason: ParkReason;
  readonly parkedAt: Date;
}

/** The filters of `dead-letters list`, `replay` and `purge`; every one given must match. */
export interface ParkedEventFilter {
  /** Event type, or a glob (`*` any run of characters, `?` one character). */
  readonly type?: string | undefined;
  /** Connected account id, exactly. */
  readonly account?: string | undefined;
  /** Substring of the last error, any case. */
  readonly error?: string | undefined;
  /** Parked at or before this time. */
  readonly parkedBefore?: Date | undefined;
  /** Only these rows (row ids), e.g. an operator's selection in the console. */
  readonly ids?: readonly string[] | undefined;
}

/**
 * The dedup key: the same dead-queue message drained twice (dead-lettering is at least
 * once, and a drainer may lose its connection before its ack) is one row. The delivery
 * count is the one property that changes between two deliveries of the same message.
 */
const dedupKey = `sha256($7::bytea || convert_to(($8::jsonb #- '{headers,x-delivery-count}')::text, 'UTF8'))`;

/**
 * Records a parked event; a second insert of the same message (same body and properties
 * but for the delivery count) changes nothing. Returns whether a row was added.
 */
export async function insertParkedEvent(pool: Pool, event: ParkedEventInput): Promise<boolean> {
  const { rowCount } = await pool.query(
    `INSERT INTO parked_events (event_id, type, endpoint, account, livemode, attempts, body, properties, last_error, error_code, reason, parked_at, dedup_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ${dedupKey})
     ON CONFLICT (dedup_key) DO NOTHING`,
    [
      event.eventId ?? null,
      event.type ?? null,
      event.endpoint ?? null,
      event.account ?? null,
      event.livemode ?? null,
      event.attempts ?? null,
      event.body,
      JSON.stringify(event.properties),
      event.lastError ?? null,
      event.errorCode ?? null,
      event.reason,
      event.parkedAt,
    ],
  );
  return rowCount === 1;
}

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/** A type glob as a LIKE pattern: `invoice.*` → `invoice.%`. */
export function globToLike(glob: string): string {
  return escapeLike(glob).replace(/\*/g, '%').replace(/\?/g, '_');
}

/** The WHERE conditions of `filter`, numbered from `$first`, and their values. */
function whereOf(filter: ParkedEventFilter, first: number): { conditions: string[]; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const next = (value: unknown): string => {
    values.push(value);
    return `$${first + values.length - 1}`;
  };
  if (filter.type !== undefined) conditions.push(`type LIKE ${next(globToLike(filter.type))}`);
  if (filter.account !== undefined) conditions.push(`account = ${next(filter.account)}`);
  if (filter.error !== undefined) conditions.push(`last_error ILIKE ${next(`%${escapeLike(filter.error)}%`)}`);
  if (filter.parkedBefore !== undefined) conditions.push(`parked_at <= ${next(filter.parkedBefore)}`);
  if (filter.ids !== undefined) conditions.push(`parked_events.id = ANY(${next(filter.ids)}::bigint[])`);
  return { conditions, values };
}

const columns = `id::text AS id, event_id AS "eventId", type, endpoint, account, livemode, body, properties,
  last_error AS "lastError", error_code AS "errorCode", attempts, reason, parked_at AS "parkedAt"`;

/**
 * One page of parked events matching `filter`, oldest row first, after row `after` (keyset
 * pagination: each page costs the same however deep, and nothing is held between pages).
 */
export async function listParkedEvents(pool: Pool, filter: ParkedEventFilter, page: { after?: string | undefined; limit: number }): Promise<ParkedEventRecord[]> {
  const { conditions, values } = whereOf(filter, 3);
  const where = ['parked_events.id > $1', ...conditions].join(' AND ');
  // parked_events.id, not id: a bare name in ORDER BY means the output column, the text alias.
  const { rows } = await pool.query<ParkedEventRecord>(`SELECT ${columns} FROM parked_events WHERE ${where} ORDER BY parked_events.id LIMIT $2`, [
    page.after ?? '0',
    page.limit,
    ...values,
  ]);
  return rows;
}

/** How many parked events match `filter` (all of them without one). */
export async function countParkedEvents(pool: Pool, filter: ParkedEventFilter = {}): Promise<number> {
  const { conditions, values } = whereOf(filter, 1);
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const { rows } = await pool.query<{ count: string }>(`SELECT count(*) FROM parked_events ${where}`, values);
  return Number(rows[0]?.count ?? 0);
}

/** Deletes parked events by row id; returns the types of the rows deleted (null when unknown). */
export async function deleteParkedEvents(pool: Pool, ids: readonly string[]): Promise<Array<string | null>> {
  const { rows } = await pool.query<{ type: string | null }>('DELETE FROM parked_events WHERE id = ANY($1::bigint[]) RETURNING type', [ids]);
  return rows.map((row) => row.type);
}

/** Rows fetched per query: memory stays bounded by one page whatever the backlog. */
export const parkedPageSize = 500;

/**
 * Matching parked events in pages, oldest row first, at most `limit` in all. Keyset
 * pagination: rows deleted between pages (a replay) never shift the next page.
 */
export async function* parkedPages(pool: Pool, filter: ParkedEventFilter, limit = Infinity, pageSize = parkedPageSize): AsyncGenerator<ParkedEventRecord[]> {
  let after: string | undefined;
  let left = limit;
  while (left > 0) {
    const page = await listParkedEvents(pool, filter, { after, limit: Math.min(pageSize, left) });
    if (page.length === 0) return;
    yield page;
    left -= page.length;
    after = page.at(-1)?.id;
  }
}

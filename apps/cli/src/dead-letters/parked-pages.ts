import { listParkedEvents, type ParkedEventFilter, type ParkedEventRecord, type Pool } from '@pipeline/db';
import type { DeadLetterFilter } from './filter.ts';
import { parkedMessageOfRecord, type ParkedMessage } from './parked-message.ts';

/** Where parked events are kept, for messages. */
export const parkedTable = 'parked_events';

/** Rows fetched per query: memory stays bounded by one page whatever the backlog. */
export const parkedPageSize = 500;

/** The SQL filter of the command-line filter, with "older than" measured from `now`. */
export function parkedEventFilter(filter: DeadLetterFilter, now: Date): ParkedEventFilter {
  return {
    type: filter.type,
    account: filter.account,
    error: filter.error,
    parkedBefore: filter.olderThanMs === undefined ? undefined : new Date(now.getTime() - filter.olderThanMs),
  };
}

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

/** Pages of rows as operators see them. */
export async function* parkedMessagePages(pages: AsyncIterable<readonly ParkedEventRecord[]>): AsyncGenerator<ParkedMessage[]> {
  for await (const page of pages) yield page.map(parkedMessageOfRecord);
}

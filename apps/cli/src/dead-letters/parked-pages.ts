import type { ParkedEventFilter, ParkedEventRecord } from '@pipeline/db';
import type { DeadLetterFilter } from './filter.ts';
import { parkedMessageOfRecord, type ParkedMessage } from './parked-message.ts';

/** The paging of parked events lives in `@pipeline/db`, shared with the console. */
export { parkedPages } from '@pipeline/db';

/** Where parked events are kept, for messages. */
export const parkedTable = 'parked_events';

/** The SQL filter of the command-line filter, with "older than" measured from `now`. */
export function parkedEventFilter(filter: DeadLetterFilter, now: Date): ParkedEventFilter {
  return {
    type: filter.type,
    account: filter.account,
    error: filter.error,
    parkedBefore: filter.olderThanMs === undefined ? undefined : new Date(now.getTime() - filter.olderThanMs),
  };
}

/** Pages of rows as operators see them. */
export async function* parkedMessagePages(pages: AsyncIterable<readonly ParkedEventRecord[]>): AsyncGenerator<ParkedMessage[]> {
  for await (const page of pages) yield page.map(parkedMessageOfRecord);
}

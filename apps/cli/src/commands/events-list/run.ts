import { databaseTimeoutsOf } from '@pipeline/core';
import { listFeedEvents, UnknownFeedCursorError } from '@pipeline/db';
import { CliError } from '../../cli-error.ts';
import { databaseSettings, loadConfig } from '../../config.ts';
import { openDatabase } from '../../database.ts';
import { feedEventJson, feedTable } from '../../event-feed/feed-format.ts';
import { feedFilterOf, type FeedFilterOptions } from '../../event-feed/feed-options.ts';
import { plural } from '../../format.ts';
import type { CliIo } from '../../io.ts';

export interface EventsListOptions extends FeedFilterOptions {
  readonly limit: number;
  readonly before?: string;
  readonly json?: boolean;
}

/** Prints one page of the event feed, and how to ask for the next. */
export async function runEventsList(io: CliIo, options: EventsListOptions): Promise<void> {
  const config = loadConfig(databaseSettings, io.env);
  const pool = await openDatabase(config.DATABASE_URL, databaseTimeoutsOf(config));
  try {
    const page = await listFeedEvents(pool, feedFilterOf(options), { limit: options.limit, before: options.before }).catch((err: unknown) => {
      if (err instanceof UnknownFeedCursorError) throw new CliError('UNKNOWN_EVENT', `--before ${err.eventId}: no such event in stripe_events`);
      throw err;
    });
    const nextBefore = page.hasMore ? page.events.at(-1)?.id : undefined;
    if (options.json === true) {
      io.print(JSON.stringify({ events: page.events.map(feedEventJson), hasMore: page.hasMore, nextBefore: nextBefore ?? null }, null, 2));
      return;
    }
    if (page.events.length === 0) {
      io.print('no events match');
      return;
    }
    for (const line of feedTable(page.events)) io.print(line);
    io.print(nextBefore === undefined ? plural(page.events.length, 'event') : `${plural(page.events.length, 'event')}; next page: --before ${nextBefore}`);
  } finally {
    await pool.end();
  }
}

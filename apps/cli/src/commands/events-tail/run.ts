import { setTimeout as sleep } from 'node:timers/promises';
import { databaseTimeoutsOf } from '@pipeline/core';
import { databaseNow, readSettledAfter, type FeedEvent } from '@pipeline/db';
import { databaseSettings, loadConfig } from '../../config.ts';
import { databaseName, openDatabase } from '../../database.ts';
import { feedEventJson, tailLine } from '../../event-feed/feed-format.ts';
import { feedFilterOf, type FeedFilterOptions } from '../../event-feed/feed-options.ts';
import { watchInterruption } from '../../interruption.ts';
import type { CliIo } from '../../io.ts';

export interface EventsTailOptions extends FeedFilterOptions {
  readonly json?: boolean;
}

/** How often the ledger is read. */
export const pollMs = 500;
/**
 * How far back each read looks before the previous one began. A settle time is stamped in
 * the worker's transaction just before its commit, so a row can become visible after rows
 * stamped later; rereading this window (and skipping what was shown) catches it.
 */
export const lookbackMs = 5_000;
const batch = 500;

/**
 * Follows the ledger: prints each event that settles from now on (or from `--since`), once,
 * until SIGINT or SIGTERM, then exits 0. Reads the database's clock, never the local one.
 */
export async function runEventsTail(io: CliIo, options: EventsTailOptions): Promise<void> {
  const config = loadConfig(databaseSettings, io.env);
  const pool = await openDatabase(config.DATABASE_URL, databaseTimeoutsOf(config));
  const interruption = watchInterruption();
  try {
    const filter = feedFilterOf(options);
    const start = options.since ?? (await databaseNow(pool));
    // Events shown, by id and settle time (an event parked and later replayed settles twice).
    const shown = new Map<string, number>();
    let after = start;
    io.stderr.write(`Ready! Following events settled in ${databaseName(config.DATABASE_URL)} since ${start.toISOString()} (Ctrl-C to quit)\n`);
    while (!interruption.requested) {
      const { events, readAt } = await readSettledAfter(pool, filter, after, batch);
      for (const event of events) {
        const key = `${event.id} ${event.settledAt.getTime()}`;
        if (shown.has(key)) continue;
        shown.set(key, event.settledAt.getTime());
        print(io, event, options.json === true);
      }
      const last = events.at(-1);
      if (events.length === batch && last !== undefined) {
        // A full batch: go on from its last event, at once.
        after = last.settledAt;
        continue;
      }
      after = new Date(Math.max(start.getTime(), readAt.getTime() - lookbackMs));
      for (const [key, settledAt] of shown) if (settledAt < after.getTime()) shown.delete(key);
      await sleep(pollMs, undefined, { signal: interruption.signal }).catch(() => undefined);
    }
  } finally {
    interruption.dispose();
    await pool.end();
  }
}

function print(io: CliIo, event: FeedEvent, json: boolean): void {
  io.print(json ? JSON.stringify(feedEventJson(event)) : tailLine(event));
}

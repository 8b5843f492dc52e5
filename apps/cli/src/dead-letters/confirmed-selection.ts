import { countParkedEvents, type ParkedEventFilter, type Pool } from '@pipeline/db';
import { databaseSettings, loadConfig } from '../config.ts';
import { confirm, ensureConfirmable } from '../confirm.ts';
import { openDatabase } from '../database.ts';
import { plural } from '../format.ts';
import type { CliIo } from '../io.ts';
import { filterFromOptions, type FilterOptions } from './filter-options.ts';
import { parkedEventFilter, parkedMessagePages, parkedPages } from './parked-pages.ts';
import { printParkedPages } from './parked-table.ts';

export interface BulkOptions extends FilterOptions {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
}

/** What a bulk command says at each step; `messages` is e.g. "3 messages". */
export interface BulkWording {
  /** For the refusal when nobody can be asked, e.g. "purge parked messages". */
  readonly action: string;
  dryRun(messages: string): string;
  question(messages: string): string;
  /** Printed when the answer is no. */
  readonly declined: string;
}

/** The agreed selection a bulk command works on. */
export interface Selection {
  readonly pool: Pool;
  readonly filter: ParkedEventFilter;
  /** Matching rows when the command was agreed (at most `--limit`). */
  readonly total: number;
  readonly limit: number | undefined;
}

/**
 * The start every bulk dead-letter command shares: refuse before connecting when
 * confirmation is needed and impossible, count the matching parked events, show a dry run
 * (page by page), ask before touching anything. `work` runs only with a non-empty, agreed
 * selection. Looking changes nothing: the rows stay as they are until `work` acts.
 */
export async function withConfirmedSelection(io: CliIo, options: BulkOptions, wording: BulkWording, work: (selection: Selection) => Promise<void>): Promise<void> {
  const dryRun = options.dryRun === true;
  ensureConfirmable(io, { yes: options.yes === true, dryRun }, wording.action);
  const config = loadConfig(databaseSettings, io.env);
  const pool = await openDatabase(config.DATABASE_URL);
  try {
    const filter = parkedEventFilter(filterFromOptions(options), new Date());
    const matching = await countParkedEventsUpTo(pool, filter, options.limit);
    if (matching === 0) {
      io.print('no parked event matches');
      return;
    }
    const messages = plural(matching, 'message');
    if (dryRun) {
      await printParkedPages((line) => {
        io.print(line);
      }, parkedMessagePages(parkedPages(pool, filter, options.limit)));
      io.print(wording.dryRun(messages));
      return;
    }
    if (options.yes !== true && !(await confirm(io, wording.question(messages)))) {
      io.print(wording.declined);
      return;
    }
    await work({ pool, filter, total: matching, limit: options.limit });
  } finally {
    await pool.end();
  }
}

async function countParkedEventsUpTo(pool: Pool, filter: ParkedEventFilter, limit: number | undefined): Promise<number> {
  const count = await countParkedEvents(pool, filter);
  return limit === undefined ? count : Math.min(count, limit);
}

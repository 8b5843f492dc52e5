import { countParkedEvents } from '@pipeline/db';
import { databaseSettings, loadConfig } from '../../config.ts';
import { openDatabase } from '../../database.ts';
import { describeFilter } from '../../dead-letters/filter.ts';
import { filterFromOptions, type FilterOptions } from '../../dead-letters/filter-options.ts';
import { parkedMessageJson } from '../../dead-letters/parked-message.ts';
import { parkedEventFilter, parkedMessagePages, parkedPages, parkedTable } from '../../dead-letters/parked-pages.ts';
import { printParkedPages } from '../../dead-letters/parked-table.ts';
import { plural } from '../../format.ts';
import { pacedByOutput, type CliIo } from '../../io.ts';

export interface DeadLettersListOptions extends FilterOptions {
  readonly json?: boolean;
}

/**
 * Lists parked events, and why they were parked, from `parked_events` page by page.
 * Changes nothing, and never touches the broker's dead queue: a look costs nothing.
 */
export async function runDeadLettersList(io: CliIo, options: DeadLettersListOptions): Promise<void> {
  const config = loadConfig(databaseSettings, io.env);
  const filter = filterFromOptions(options);
  const pool = await openDatabase(config.DATABASE_URL);
  try {
    const pages = pacedByOutput(io, parkedMessagePages(parkedPages(pool, parkedEventFilter(filter, new Date()), options.limit)));
    if (options.json === true) {
      // A JSON array written element by element, so its size never sits in memory.
      let listed = 0;
      for await (const page of pages) {
        for (const message of page) {
          const element = JSON.stringify(parkedMessageJson(message), null, 2).replace(/^/gm, '  ');
          io.print(`${listed === 0 ? '[' : ','}\n${element}`);
          listed += 1;
        }
      }
      io.print(listed === 0 ? '[]' : ']');
      return;
    }
    const listed = await printParkedPages((line) => {
        io.print(line);
      }, pages);
    const parked = await countParkedEvents(pool);
    const filters = describeFilter(filter);
    io.print(`${plural(listed, 'message')} listed of ${parked} parked in ${parkedTable}${filters === '' ? '' : ` (${filters})`}`);
  } finally {
    await pool.end();
  }
}

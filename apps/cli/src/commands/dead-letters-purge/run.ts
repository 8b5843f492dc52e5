import { deleteParkedEvents } from '@pipeline/db';
import { withConfirmedSelection, type BulkOptions } from '../../dead-letters/confirmed-selection.ts';
import { parkedPages, parkedTable } from '../../dead-letters/parked-pages.ts';
import { countInto, formatCounts, plural } from '../../format.ts';
import type { CliIo } from '../../io.ts';

export type DeadLettersPurgeOptions = BulkOptions;

/** Deletes matching parked events for good, a page at a time; the others stay untouched. */
export async function runDeadLettersPurge(io: CliIo, options: DeadLettersPurgeOptions): Promise<void> {
  const wording = {
    action: 'purge parked messages',
    dryRun: (messages: string) => `dry run: would delete ${messages} from ${parkedTable}`,
    question: (messages: string) => `Delete ${messages} from ${parkedTable} for good?`,
    declined: 'nothing deleted',
  };
  await withConfirmedSelection(io, options, wording, async ({ pool, filter, total }) => {
    const byType = new Map<string, number>();
    let purged = 0;
    for await (const page of parkedPages(pool, filter, total)) {
      const types = await deleteParkedEvents(
        pool,
        page.map((parked) => parked.id),
      );
      for (const type of types) countInto(byType, type ?? '?');
      purged += types.length;
    }
    io.print(`purged ${plural(purged, 'message')} from ${parkedTable}`);
    for (const line of formatCounts(byType)) io.print(line);
  });
}

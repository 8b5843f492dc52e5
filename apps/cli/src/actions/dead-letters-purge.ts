import { withConfirmedSelection, type BulkOptions } from '../dead-letters/confirmed-selection.ts';
import { countInto, formatCounts, plural } from '../format.ts';
import type { CliIo } from '../io.ts';

export type DeadLettersPurgeOptions = BulkOptions;

/** Deletes matching parked messages for good; the others go back to the dead queue untouched. */
export async function runDeadLettersPurge(io: CliIo, options: DeadLettersPurgeOptions): Promise<void> {
  const wording = {
    action: 'purge parked messages',
    dryRun: (messages: string, names: { deadQueue: string }) => `dry run: would delete ${messages} from ${names.deadQueue}`,
    question: (messages: string, names: { deadQueue: string }) => `Delete ${messages} from ${names.deadQueue} for good?`,
    declined: 'nothing deleted',
  };
  await withConfirmedSelection(io, options, wording, (queue, matching) => {
    const byType = new Map<string, number>();
    for (const held of matching) {
      queue.remove(held);
      countInto(byType, held.parked.type ?? '?');
    }
    io.print(`purged ${plural(matching.length, 'message')} from ${queue.names.deadQueue}`);
    for (const line of formatCounts(byType)) io.print(line);
    return Promise.resolve();
  });
}

import { brokerSettings, loadConfig } from '../config.ts';
import { confirm, ensureConfirmable } from '../confirm.ts';
import { openDeadQueue } from '../dead-letters/dead-queue.ts';
import { makeDeadLetterMatcher } from '../dead-letters/filter.ts';
import { filterFromOptions, type FilterOptions } from '../dead-letters/filter-options.ts';
import { parkedMessageTable } from '../dead-letters/parked-table.ts';
import { countInto, formatCounts, plural } from '../format.ts';
import type { CliIo } from '../io.ts';

export interface DeadLettersPurgeOptions extends FilterOptions {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
}

/** Deletes matching parked messages for good; the others go back to the dead queue untouched. */
export async function runDeadLettersPurge(io: CliIo, options: DeadLettersPurgeOptions): Promise<void> {
  const dryRun = options.dryRun === true;
  ensureConfirmable(io, { yes: options.yes === true, dryRun }, 'purge parked messages');
  const config = loadConfig(brokerSettings, io.env);
  const queue = await openDeadQueue({ url: config.RABBITMQ_URL, prefix: config.TOPOLOGY_PREFIX });
  const { deadQueue } = queue.names;
  try {
    const { matching } = await queue.scan(makeDeadLetterMatcher(filterFromOptions(options), new Date()), options.limit);
    if (matching.length === 0) {
      io.print(`no parked message in ${deadQueue} matches`);
      return;
    }
    if (dryRun) {
      for (const line of parkedMessageTable(matching.map((held) => held.parked))) io.print(line);
      io.print(`dry run: would delete ${plural(matching.length, 'message')} from ${deadQueue}`);
      return;
    }
    if (options.yes !== true && !(await confirm(io, `Delete ${plural(matching.length, 'message')} from ${deadQueue} for good?`))) {
      io.print('nothing deleted');
      return;
    }
    const byType = new Map<string, number>();
    for (const held of matching) {
      queue.remove(held);
      countInto(byType, held.parked.type ?? '?');
    }
    io.print(`purged ${plural(matching.length, 'message')} from ${deadQueue}`);
    for (const line of formatCounts(byType)) io.print(line);
  } finally {
    await queue.close();
  }
}

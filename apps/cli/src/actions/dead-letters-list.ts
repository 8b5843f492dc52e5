import { brokerSettings, loadConfig } from '../config.ts';
import { openDeadQueue } from '../dead-letters/dead-queue.ts';
import { describeFilter, makeDeadLetterMatcher } from '../dead-letters/filter.ts';
import { filterFromOptions, type FilterOptions } from '../dead-letters/filter-options.ts';
import { parkedMessageJson } from '../dead-letters/parked-message.ts';
import { parkedMessageTable } from '../dead-letters/parked-table.ts';
import { plural } from '../format.ts';
import type { CliIo } from '../io.ts';

export interface DeadLettersListOptions extends FilterOptions {
  readonly json?: boolean;
}

/** Lists parked messages, and why they were parked. Changes nothing. */
export async function runDeadLettersList(io: CliIo, options: DeadLettersListOptions): Promise<void> {
  const config = loadConfig(brokerSettings, io.env);
  const filter = filterFromOptions(options);
  const queue = await openDeadQueue({ url: config.RABBITMQ_URL, prefix: config.TOPOLOGY_PREFIX });
  try {
    const { matching, queued } = await queue.scan(makeDeadLetterMatcher(filter, new Date()), options.limit);
    const messages = matching.map((held) => held.parked);
    if (options.json === true) {
      io.print(JSON.stringify(messages.map(parkedMessageJson), null, 2));
      return;
    }
    if (messages.length > 0) for (const line of parkedMessageTable(messages)) io.print(line);
    const filters = describeFilter(filter);
    io.print(`${plural(messages.length, 'message')} listed of ${queued} parked in ${queue.names.deadQueue}${filters === '' ? '' : ` (${filters})`}`);
  } finally {
    await queue.close();
  }
}

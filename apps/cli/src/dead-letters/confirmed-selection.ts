import { brokerSettings, loadConfig } from '../config.ts';
import { confirm, ensureConfirmable } from '../confirm.ts';
import { plural } from '../format.ts';
import type { CliIo } from '../io.ts';
import { openDeadQueue, type DeadQueue, type HeldMessage } from './dead-queue.ts';
import { makeDeadLetterMatcher } from './filter.ts';
import { filterFromOptions, type FilterOptions } from './filter-options.ts';
import { parkedMessageTable } from './parked-table.ts';

export interface BulkOptions extends FilterOptions {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
}

/** What a bulk command says at each step; `messages` is e.g. "3 messages". */
export interface BulkWording {
  /** For the refusal when nobody can be asked, e.g. "purge parked messages". */
  readonly action: string;
  dryRun(messages: string, names: DeadQueue['names']): string;
  question(messages: string, names: DeadQueue['names']): string;
  /** Printed when the answer is no. */
  readonly declined: string;
}

/**
 * The start every bulk dead-letter command shares: refuse before connecting when
 * confirmation is needed and impossible, scan the dead queue for matches, show a dry run,
 * ask before touching anything. `work` runs only with a non-empty, agreed selection; the
 * queue is closed in every case (whatever was not taken goes back untouched).
 */
export async function withConfirmedSelection(
  io: CliIo,
  options: BulkOptions,
  wording: BulkWording,
  work: (queue: DeadQueue, matching: readonly HeldMessage[]) => Promise<void>,
): Promise<void> {
  const dryRun = options.dryRun === true;
  ensureConfirmable(io, { yes: options.yes === true, dryRun }, wording.action);
  const config = loadConfig(brokerSettings, io.env);
  const queue = await openDeadQueue({ url: config.RABBITMQ_URL, prefix: config.TOPOLOGY_PREFIX });
  try {
    const { matching } = await queue.scan(makeDeadLetterMatcher(filterFromOptions(options), new Date()), options.limit);
    if (matching.length === 0) {
      io.print(`no parked message in ${queue.names.deadQueue} matches`);
      return;
    }
    const messages = plural(matching.length, 'message');
    if (dryRun) {
      for (const line of parkedMessageTable(matching.map((held) => held.parked))) io.print(line);
      io.print(wording.dryRun(messages, queue.names));
      return;
    }
    if (options.yes !== true && !(await confirm(io, wording.question(messages, queue.names)))) {
      io.print(wording.declined);
      return;
    }
    await work(queue, matching);
  } finally {
    await queue.close();
  }
}

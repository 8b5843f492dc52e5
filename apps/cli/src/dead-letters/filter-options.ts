import type { Command } from 'commander';
import { accountId, duration, positiveInteger } from '../options.ts';
import type { DeadLetterFilter } from './filter.ts';

/** The options every `dead-letters` command reads, as commander hands them over. */
export interface FilterOptions {
  readonly type?: string;
  readonly account?: string;
  readonly error?: string;
  readonly olderThan?: number;
  readonly limit?: number;
}

/** Adds the shared filter options and `--limit` to a `dead-letters` command. */
export function addFilterOptions(command: Command, verb: string): Command {
  return command
    .option('--type <event-type>', 'only messages of this event type; a glob such as "invoice.*" works')
    .option('--account <acct>', 'only messages of this connected account', accountId)
    .option('--error <text>', 'only messages whose last error contains this text (any case)')
    .option('--older-than <duration>', 'only messages parked at least this long ago, e.g. 2h or 3d', duration)
    .option('--limit <n>', `${verb} at most this many matching messages (default: all)`, positiveInteger);
}

/** The filter the options describe. */
export function filterFromOptions(options: FilterOptions): DeadLetterFilter {
  return { type: options.type, account: options.account, error: options.error, olderThanMs: options.olderThan };
}

import { Command, InvalidArgumentError } from 'commander';
import type { EventsListOptions } from './run.ts';
import { addFeedFilterOptions } from '../../event-feed/feed-options.ts';
import type { CliIo } from '../../io.ts';
import { positiveInteger } from '../../options.ts';

/** The largest page `--limit` asks for. */
export const maxPage = 1_000;

function pageSize(value: string): number {
  const size = positiveInteger(value);
  if (size > maxPage) throw new InvalidArgumentError(`must be at most ${maxPage}; page on with --before`);
  return size;
}

/** `events list`: the ledger, newest first, a page at a time. */
export function eventsListCommand(io: CliIo): Command {
  return addFeedFilterOptions(
    new Command('list').description('list processed events newest first: time, type, endpoint, account, outcome, attempts, processing latency, transfers'),
    { until: true },
  )
    .option('--limit <n>', `events per page, at most ${maxPage}`, pageSize, 20)
    .option('--before <evt>', 'the page after this event (the last id of the previous page)')
    .option('--json', 'print the page as JSON: { events, hasMore, nextBefore }')
    .action(async (options: EventsListOptions) => {
      const { runEventsList } = await import('./run.ts');
      await runEventsList(io, options);
    });
}

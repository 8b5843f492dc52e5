import { Command } from 'commander';
import type { EventsTailOptions } from './run.ts';
import { addFeedFilterOptions } from '../../event-feed/feed-options.ts';
import type { CliIo } from '../../io.ts';

/** `events tail`: each event as the workers settle it, live, like `stripe listen`. */
export function eventsTailCommand(io: CliIo): Command {
  return addFeedFilterOptions(
    new Command('tail').description('print one line per event as the workers settle it (processed, ignored, stale or parked), until Ctrl-C'),
    { until: false },
  )
    .option('--json', 'print one JSON object per line instead')
    .action(async (options: EventsTailOptions) => {
      const { runEventsTail } = await import('./run.ts');
      await runEventsTail(io, options);
    });
}

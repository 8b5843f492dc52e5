import { Command, Option } from 'commander';
import type { EventsPruneOptions } from './run.ts';
import type { CliIo } from '../../io.ts';
import { duration } from '../../options.ts';

/** `events prune`: deletes processing records not touched for a while. */
export function eventsPruneCommand(io: CliIo): Command {
  return new Command('prune')
    .description('delete stripe_events records last updated before a cutoff (events still retrying are kept)')
    .addOption(new Option('--older-than <duration>', 'delete records not updated for this long, at least 3d').argParser(duration).default(30 * 86_400_000, '30d'))
    .action(async (options: EventsPruneOptions) => {
      const { runEventsPrune } = await import('./run.ts');
      await runEventsPrune(io, options);
    });
}

import { Command } from 'commander';
import type { DeadLettersReplayOptions } from './run.ts';
import { addFilterOptions } from '../../dead-letters/filter-options.ts';
import type { CliIo } from '../../io.ts';
import { rate } from '../../options.ts';

/** `dead-letters replay`: matching parked messages back to the work queue. */
export function deadLettersReplayCommand(io: CliIo): Command {
  return addFilterOptions(
    new Command('replay').description('send matching parked events back to the work queue, each deleted from parked_events once its copy is confirmed'),
    'replay',
  )
    .option('--rate <per-second>', 'replay at most this many messages per second (default: as fast as the broker confirms)', rate)
    .option('--dry-run', 'show what would be replayed and change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (options: DeadLettersReplayOptions) => {
      const { runDeadLettersReplay } = await import('./run.ts');
      await runDeadLettersReplay(io, options);
    });
}

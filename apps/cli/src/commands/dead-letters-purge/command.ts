import { Command } from 'commander';
import type { DeadLettersPurgeOptions } from './run.ts';
import { addFilterOptions } from '../../dead-letters/filter-options.ts';
import type { CliIo } from '../../io.ts';

/** `dead-letters purge`: deletes matching parked messages for good. */
export function deadLettersPurgeCommand(io: CliIo): Command {
  return addFilterOptions(new Command('purge').description('delete matching parked messages for good (those events will not be processed)'), 'purge')
    .option('--dry-run', 'show what would be deleted and change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (options: DeadLettersPurgeOptions) => {
      const { runDeadLettersPurge } = await import('./run.ts');
      await runDeadLettersPurge(io, options);
    });
}

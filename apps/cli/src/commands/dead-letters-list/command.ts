import { Command } from 'commander';
import type { DeadLettersListOptions } from './run.ts';
import { addFilterOptions } from '../../dead-letters/filter-options.ts';
import type { CliIo } from '../../io.ts';

/** `dead-letters list`: what is parked, and why. */
export function deadLettersListCommand(io: CliIo): Command {
  return addFilterOptions(new Command('list').description('list parked messages: event id, type, account, attempts, when and why they were parked'), 'list')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (options: DeadLettersListOptions) => {
      const { runDeadLettersList } = await import('./run.ts');
      await runDeadLettersList(io, options);
    });
}

import { Command } from 'commander';
import type { CliIo } from '../../io.ts';

/** `migrate`: applies pending database migrations. */
export function migrateCommand(io: CliIo): Command {
  return new Command('migrate').description('apply pending database migrations (DATABASE_URL); prints what was applied').action(async () => {
    const { runMigrate } = await import('./run.ts');
    await runMigrate(io);
  });
}

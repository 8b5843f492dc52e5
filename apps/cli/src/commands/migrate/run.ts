import { migrate } from '@pipeline/db';
import { CliError } from '../../cli-error.ts';
import { databaseSettings, loadConfig } from '../../config.ts';
import { databaseName } from '../../database.ts';
import type { CliIo } from '../../io.ts';

/** Applies pending database migrations; safe to run again and from several places at once. */
export async function runMigrate(io: CliIo): Promise<void> {
  const config = loadConfig(databaseSettings, io.env);
  const database = databaseName(config.DATABASE_URL);
  let applied: string[];
  try {
    applied = await migrate(config.DATABASE_URL);
  } catch (err: unknown) {
    throw new CliError('MIGRATION_FAILED', `migrating ${database} failed`, { cause: err });
  }
  if (applied.length === 0) {
    io.print(`database ${database} is up to date`);
    return;
  }
  for (const name of applied) io.print(`applied ${name}`);
  io.print(`database ${database} migrated (${applied.length} applied)`);
}

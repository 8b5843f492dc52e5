import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

/** The numbered SQL migrations shipped with this package. */
export const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * Applies every pending migration (idempotent; an advisory lock makes concurrent runs
 * safe). Returns the names of the migrations it applied.
 */
export async function migrate(databaseUrl: string, options: { direction?: 'up' | 'down'; log?: (message: string) => void } = {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: options.direction ?? 'up',
    migrationsTable: 'pgmigrations',
    count: options.direction === 'down' ? 1 : Infinity,
    checkOrder: true,
    log: options.log ?? (() => undefined),
  });
  return applied.map((migration) => migration.name);
}

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../workspace-aliases.ts';

/**
 * `npm run test:pgbouncer`: a slice of the ledger and worker suites, plus a check of the
 * pooler itself, with every database connection going through PgBouncer in transaction mode.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: workspaceAliases,
  },
  test: {
    include: ['test/pgbouncer/**/*.spec.ts', 'test/event-ledger.test.ts', 'apps/worker/test/exactly-once.test.ts'],
    globalSetup: ['test/pgbouncer/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

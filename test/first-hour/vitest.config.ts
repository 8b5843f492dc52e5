import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../workspace-aliases.ts';

/**
 * A new user's first hour (`npm run test:first-hour`, issue 15): a fresh clone, `npm start`,
 * the demo, reconcile, a dead letter, stop. Uses the machine's broker and database (the
 * global setup finds them, as for `npm test`).
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: workspaceAliases,
  },
  test: {
    include: ['test/first-hour/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});

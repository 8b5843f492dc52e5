import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../workspace-aliases.ts';

/**
 * The reliability suite (`npm run test:reliability`): each file starts a whole stack as real
 * processes and breaks it, so files run one after another (two cores, and one scenario
 * trips a broker-wide alarm that must not meet another scenario's publishes).
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: workspaceAliases,
  },
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/reliability/report-setup.ts'],
    fileParallelism: false,
    testTimeout: 150_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

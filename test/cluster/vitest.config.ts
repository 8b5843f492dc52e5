import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../workspace-aliases.ts';

/** `npm run test:cluster`: RABBITMQ_URL is the local three-node cluster's list (test/cluster/cluster.sh urls). */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: workspaceAliases,
  },
  test: {
    include: ['test/cluster/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

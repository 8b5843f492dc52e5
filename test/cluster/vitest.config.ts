import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('../../packages', import.meta.url));

/** `npm run test:cluster`: RABBITMQ_URL is the local three-node cluster's list (test/cluster/cluster.sh urls). */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: [
      { find: /^@pipeline\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/index.ts` },
      { find: /^@pipeline\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/$2.ts` },
    ],
  },
  test: {
    include: ['test/cluster/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('../../packages', import.meta.url));

/**
 * The reliability suite (`npm run test:reliability`): each file starts a whole stack as real
 * processes and breaks it, so files run one after another (two cores, and one scenario
 * trips a broker-wide alarm that must not meet another scenario's publishes).
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: [
      { find: /^@pipeline\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/index.ts` },
      { find: /^@pipeline\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/$2.ts` },
    ],
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

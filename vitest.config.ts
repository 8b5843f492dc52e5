import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages', import.meta.url));

export default defineConfig({
  // Workspace packages resolve to their TypeScript source, as `node --conditions=source` does.
  resolve: {
    alias: [
      { find: /^@pipeline\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/index.ts` },
      { find: /^@pipeline\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/$2.ts` },
    ],
  },
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/reliability/**', '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

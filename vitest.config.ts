import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './test/workspace-aliases.ts';

export default defineConfig({
  // Workspace packages resolve to their TypeScript source, as `node --conditions=source` does.
  resolve: {
    alias: workspaceAliases,
  },
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'tools/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/reliability/**', '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../workspace-aliases.ts';

/**
 * The compose stack brought up for real (`npm run test:compose`): builds the product image,
 * runs docker-compose.yml with three workers on a container engine, and takes it down. No
 * global setup: the stack brings its own RabbitMQ and PostgreSQL.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: workspaceAliases,
  },
  test: {
    include: ['test/compose-stack/**/*.spec.ts'],
    testTimeout: 300_000,
    // The image build (uncached: two `npm ci` and a TypeScript build) and the stack's start.
    hookTimeout: 1_200_000,
    pool: 'forks',
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../workspace-aliases.ts';

/**
 * The broker-facing suites on a RabbitMQ started in a container (`npm run test:rabbitmq4`,
 * `npm run test:rabbitmq3`): the image comes from TEST_RABBITMQ_IMAGE, one container for the
 * whole run (global setup starts it; each file still gets its own random topology). The
 * reliability suite runs after this, with its own config and the same variable.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: workspaceAliases,
  },
  test: {
    include: [
      'apps/ingest/**/*.test.ts',
      'apps/worker/**/*.test.ts',
      'apps/cli/test/dead-letters.test.ts',
      // Parked events survive any number of inspections: 30 listings of a parked event.
      'apps/cli/test/worker-replay.test.ts',
      'packages/broker/src/**/*.test.ts',
      'test/broker-versions/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

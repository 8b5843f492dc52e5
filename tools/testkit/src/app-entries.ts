/**
 * The one table of the repository's runnable apps: each one's TypeScript entry point and
 * its compiled one, relative to the repository root. The local stack, the test kit and the
 * bench start apps from here, so an entry point that moves changes one line.
 */
export const appEntries = {
  ingest: { source: 'apps/ingest/src/main.ts', dist: 'apps/ingest/dist/main.js' },
  worker: { source: 'apps/worker/src/main.ts', dist: 'apps/worker/dist/main.js' },
  cli: { source: 'apps/cli/src/main.ts', dist: 'apps/cli/dist/main.js' },
  console: { source: 'apps/console/src/main.ts', dist: 'apps/console/dist/main.js' },
  'stripe-emulator': { source: 'tools/stripe-emulator/src/main.ts', dist: 'tools/stripe-emulator/dist/main.js' },
} as const;

export type AppName = keyof typeof appEntries;

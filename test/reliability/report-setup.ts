import { writeFileSync } from 'node:fs';
import { lastRunFile } from './report.ts';

/** Starts last-run.md afresh; each scenario appends its tables to it. */
export default function setup(): void {
  writeFileSync(
    lastRunFile,
    `# Reliability suite: last run\n\nWritten by \`npm run test:reliability\` on ${new Date().toISOString()} (Node ${process.version}). ` +
      'Each scenario runs the whole pipeline as separate processes, sends a stream of signed Stripe events that is resent until each gets a 2xx, breaks things, then checks the invariants.\n\n',
  );
}

import { Command } from 'commander';
import type { ReconcileOptions } from './run.ts';
import type { CliIo } from '../../io.ts';
import { rate } from '../../options.ts';

/** `reconcile --since`: publishes the events Stripe could not deliver and no worker has finished. */
export function reconcileCommand(io: CliIo): Command {
  return new Command('reconcile')
    .description("ask Stripe's API for events it could not deliver (platform and every connected account) and publish those no worker has finished")
    .requiredOption('--since <time>', 'how far back to look: an ISO date or time, or a duration such as 6h or 3d (at most 30 days)')
    .option('--dry-run', 'list the events that would be published, without publishing')
    .option('--rate <per-second>', 'publish at most this many events per second (default: as fast as the broker confirms)', rate)
    .action(async (options: ReconcileOptions) => {
      const { runReconcile } = await import('./run.ts');
      await runReconcile(io, options);
    });
}

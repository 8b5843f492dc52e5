import { Command } from 'commander';
import type { ReplayFileOptions } from './run.ts';
import type { CliIo } from '../../io.ts';
import { rate } from '../../options.ts';

/** `replay <file>`: publishes a file of Stripe events as if the ingest had received them. */
export function replayCommand(io: CliIo): Command {
  return new Command('replay')
    .description("publish a file of Stripe events, one JSON object a line (as Stripe's events API returns them); events the workers already finished are skipped")
    .argument('<file>', 'path of the file; every line is checked before anything is sent')
    .option('--force', 'send events already finished too, without asking the database (the worker still skips them and changes nothing)')
    .option('--dry-run', 'check the file and show what would be sent, without sending')
    .option('--rate <per-second>', 'send at most this many events per second (default: as fast as the broker confirms)', rate)
    .action(async (file: string, options: ReplayFileOptions) => {
      const { runReplayFile } = await import('./run.ts');
      await runReplayFile(io, file, options);
    });
}

import { Command } from 'commander';
import type { CliIo } from '../../io.ts';
import { positiveInteger } from '../../options.ts';

/** `demo`: the money story, step by step, against a running stack. */
export function demoCommand(io: CliIo): Command {
  return new Command('demo')
    .description(
      'against a running stack (npm start, or docker compose): seed an onboarded host, a pending host, a customer and bookings, then send the subscription, invoice.paid, the pending host\'s account.updated and a partial refund (charge.refunded), printing what the workers did at each step (fresh ids every run)',
    )
    .option('--timeout <seconds>', 'how long to wait for the workers to finish each event', positiveInteger, 30)
    .action(async (options: { timeout: number }) => {
      const { runDemo } = await import('./run.ts');
      await runDemo(io, { timeoutMs: options.timeout * 1000 });
    });
}

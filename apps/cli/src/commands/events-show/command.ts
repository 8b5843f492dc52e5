import { Command } from 'commander';
import type { EventsShowOptions } from './run.ts';
import type { CliIo } from '../../io.ts';

/** `events show <id>`: how the workers processed one event. */
export function eventsShowCommand(io: CliIo): Command {
  return new Command('show')
    .description("show an event's processing record: outcome, attempts, last error, timestamps, effects (and, for invoices, the host transfers)")
    .argument('<event-id>', 'the Stripe event id, evt_...')
    .option('--json', 'print the record as JSON')
    .action(async (id: string, options: EventsShowOptions) => {
      const { runEventsShow } = await import('./run.ts');
      await runEventsShow(io, id, options);
    });
}

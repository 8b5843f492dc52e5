import { Command } from 'commander';
import { deadLettersListCommand } from './commands/dead-letters-list.ts';
import { deadLettersPurgeCommand } from './commands/dead-letters-purge.ts';
import { deadLettersReplayCommand } from './commands/dead-letters-replay.ts';
import { eventsPruneCommand } from './commands/events-prune.ts';
import { eventsShowCommand } from './commands/events-show.ts';
import { migrateCommand } from './commands/migrate.ts';
import { reconcileCommand } from './commands/reconcile.ts';
import { replayCommand } from './commands/replay.ts';
import { triggerCommand } from './commands/trigger.ts';
import type { CliIo } from './io.ts';

/** The whole command tree; parsing it runs the chosen command. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('stripe-pipeline')
    .description('operate the Stripe webhook pipeline: send test events, inspect processing, replay dead letters and missed events')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nConfiguration comes from the environment: RABBITMQ_URL, TOPOLOGY_PREFIX, DATABASE_URL, INGEST_URL,\n' +
        'STRIPE_WEBHOOK_SECRET_PLATFORM, STRIPE_WEBHOOK_SECRET_CONNECT, STRIPE_SECRET_KEY, STRIPE_API_BASE;\n' +
        'each command reads only those it needs.',
    );
  program.addCommand(migrateCommand(io));
  program.addCommand(triggerCommand(io));
  program.addCommand(
    new Command('events').description("inspect and prune the workers' processing records (stripe_events)").addCommand(eventsShowCommand(io)).addCommand(eventsPruneCommand(io)),
  );
  program.addCommand(
    new Command('dead-letters')
      .description('list, replay or purge parked events (PostgreSQL table parked_events)')
      .addCommand(deadLettersListCommand(io))
      .addCommand(deadLettersReplayCommand(io))
      .addCommand(deadLettersPurgeCommand(io)),
  );
  program.addCommand(replayCommand(io));
  program.addCommand(reconcileCommand(io));
  oneLineErrors(program);
  return program;
}

/** Commander's own usage errors as one line too ("(Did you mean ...?)" joins the error). */
function oneLineErrors(command: Command): void {
  command.configureOutput({ outputError: (text, write) => { write(`${text.trimEnd().replace(/\s*\n\s*/g, ' ')}\n`); } });
  for (const sub of command.commands) oneLineErrors(sub);
}

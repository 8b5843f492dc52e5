import { Command } from 'commander';
import { deadLettersListCommand } from './commands/dead-letters-list/command.ts';
import { deadLettersPurgeCommand } from './commands/dead-letters-purge/command.ts';
import { deadLettersReplayCommand } from './commands/dead-letters-replay/command.ts';
import { eventsListCommand } from './commands/events-list/command.ts';
import { eventsPruneCommand } from './commands/events-prune/command.ts';
import { eventsShowCommand } from './commands/events-show/command.ts';
import { eventsTailCommand } from './commands/events-tail/command.ts';
import { migrateCommand } from './commands/migrate/command.ts';
import { reconcileCommand } from './commands/reconcile/command.ts';
import { replayCommand } from './commands/replay/command.ts';
import { triggerCommand } from './commands/trigger/command.ts';
import type { CliIo } from './io.ts';

/**
 * The whole command tree; parsing it runs the chosen command. Each command is one folder
 * under commands/: command.ts declares its arguments and options, run.ts does the work and
 * is imported only when the command runs, so `--help` and usage errors start without
 * loading the database, broker and Stripe clients (about twice as fast).
 */
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
    new Command('events')
      .description("list, follow, inspect and prune the workers' processing records (stripe_events)")
      .addCommand(eventsListCommand(io))
      .addCommand(eventsTailCommand(io))
      .addCommand(eventsShowCommand(io))
      .addCommand(eventsPruneCommand(io)),
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

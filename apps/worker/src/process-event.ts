import type Stripe from 'stripe';
import type { Logger } from '@pipeline/core';
import { recordOutcome, withEventTransaction, type Pool } from '@pipeline/db';
import type { Command } from './commands/command.ts';
import type { WorkerEvent } from './event-message.ts';

export type ProcessOutcome = 'processed' | 'ignored' | 'stale' | 'duplicate';

export interface ProcessEventDeps {
  readonly pool: Pool;
  readonly stripe: Stripe;
  readonly commands: ReadonlyMap<string, Command>;
  readonly platformFeePercent: number;
  /** Observes each command run (for the duration histogram). */
  readonly onCommandRun?: (command: Command, seconds: number) => void;
}

/** The command for an event, or undefined when the pipeline has nothing to do with it. */
function commandFor(commands: ReadonlyMap<string, Command>, event: WorkerEvent): Command | undefined {
  const command = commands.get(event.type);
  return command?.endpoint === event.endpoint ? command : undefined;
}

/**
 * Runs an event's command at most once per event id, whatever the redeliveries and
 * replicas: the id is locked, checked and recorded in the same transaction as the
 * command's effects, so the effects and the `stripe_events` row commit together or not at
 * all. Throws whatever the command throws (nothing is then recorded).
 */
export function makeProcessEvent(deps: ProcessEventDeps) {
  return async function processEvent(event: WorkerEvent, logger: Logger): Promise<{ outcome: ProcessOutcome; effects?: unknown }> {
    const result = await withEventTransaction(deps.pool, event.id, async (db) => {
      const attempts = event.failedAttempts + 1;
      const command = commandFor(deps.commands, event);
      if (command === undefined) {
        await recordOutcome(db, event, 'ignored', attempts, undefined);
        return { outcome: 'ignored' as const };
      }
      const started = process.hrtime.bigint();
      const done = await command.run(event.payload, {
        db,
        stripe: deps.stripe,
        platformFeePercent: deps.platformFeePercent,
        logger: logger.child({ command: command.name }),
        endpoint: event.endpoint,
      });
      deps.onCommandRun?.(command, Number(process.hrtime.bigint() - started) / 1e9);
      await recordOutcome(db, event, done.outcome, attempts, done.effects);
      return done;
    });
    return result === 'duplicate' ? { outcome: 'duplicate' } : result;
  };
}

export type ProcessEvent = ReturnType<typeof makeProcessEvent>;

import type Stripe from 'stripe';
import { eventAttributes, inSpan, traceAttributes, type Logger } from '@pipeline/core';
import { recordOutcome, withEventTransaction, type Pool } from '@pipeline/db';
import type { Command } from './commands/command.ts';
import type { WorkerEvent } from './event-message.ts';

export type ProcessOutcome = 'processed' | 'ignored' | 'stale' | 'duplicate';

export interface ProcessEventDeps {
  readonly pool: Pool;
  readonly stripe: Stripe;
  readonly commands: ReadonlyMap<string, Command>;
  readonly platformFeePercent: number;
  /** The worker's Stripe mode (its key's); events of the other mode run nothing. */
  readonly livemode: boolean;
  /** Observes each command run (for the duration histogram). */
  readonly onCommandRun?: (command: Command, seconds: number) => void;
}

const modeName = (livemode: boolean): string => (livemode ? 'live' : 'test');

/**
 * The command an event runs, or why it runs none. Stripe sends test-mode events of
 * live-connected accounts to the live Connect endpoint, with the same `acct_` id in both
 * modes: acting on one would change live hosts and spend the live key, so the mode is
 * checked first.
 */
function commandOrReason(commands: ReadonlyMap<string, Command>, event: WorkerEvent, livemode: boolean): { command: Command } | { reason: string } {
  if (event.livemode !== livemode) {
    return { reason: `livemode mismatch: a ${modeName(event.livemode)}-mode event, and this worker's key is ${modeName(livemode)}-mode` };
  }
  const command = commands.get(event.type);
  if (command?.endpoint !== event.endpoint) return { reason: `no command for ${event.endpoint} events of type ${event.type}` };
  return { command };
}

/**
 * Runs an event's command at most once per event id, whatever the redeliveries and
 * replicas: the id is locked, checked and recorded in the same transaction as the
 * command's effects, so the effects and the `stripe_events` row commit together or not at
 * all. Throws whatever the command throws (nothing is then recorded).
 */
export function makeProcessEvent(deps: ProcessEventDeps) {
  return async function processEvent(event: WorkerEvent, logger: Logger): Promise<{ outcome: ProcessOutcome; effects?: unknown }> {
    // Lock, dedup check, the command and the commit: one span.
    const result = await inSpan('event transaction', { attributes: eventAttributes(event) }, async (span) => {
      const settled = await transaction();
      span.setAttribute(traceAttributes.outcome, settled === 'duplicate' ? 'duplicate' : settled.outcome);
      return settled;
    });
    return result === 'duplicate' ? { outcome: 'duplicate' } : result;

    function transaction() {
      return withEventTransaction(deps.pool, event.id, async (db) => {
        const attempts = event.failedAttempts + 1;
        const decision = commandOrReason(deps.commands, event, deps.livemode);
        if ('reason' in decision) {
          // Stored, so that `events show` explains every `ignored`.
          const effects = { reason: decision.reason };
          await recordOutcome(db, event, 'ignored', attempts, effects);
          return { outcome: 'ignored' as const, effects };
        }
        const { command } = decision;
        const started = process.hrtime.bigint();
        const done = await inSpan(`command ${command.name}`, { attributes: { [traceAttributes.command]: command.name, ...eventAttributes(event) } }, () =>
          command.run(event.payload, {
            db,
            stripe: deps.stripe,
            platformFeePercent: deps.platformFeePercent,
            logger: logger.child({ command: command.name }),
            endpoint: event.endpoint,
          }),
        );
        deps.onCommandRun?.(command, Number(process.hrtime.bigint() - started) / 1e9);
        await recordOutcome(db, event, done.outcome, attempts, done.effects);
        return done;
      });
    }
  };
}

export type ProcessEvent = ReturnType<typeof makeProcessEvent>;

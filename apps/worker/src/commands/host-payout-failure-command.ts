import type { PoolClient } from 'pg';
import type { z } from 'zod';
import type { Command } from './command.ts';
import { connectedAccountOf, eventCreatedAt, readObject } from './event-payload.ts';

/**
 * What a payout-failure command makes of its Stripe object: the ids it names (in every
 * outcome's effects), and either a write ordered on `hosts.payout_event_created` with what
 * it adds to the effects when applied, or why nothing is written.
 */
export type PayoutFailureStep =
  | {
      readonly ids: Record<string, unknown>;
      /** Writes at the event's time; false when a newer (or same-second failure) event came first: `stale`. */
      readonly write: (db: PoolClient, eventCreated: Date) => Promise<boolean>;
      readonly applied: Record<string, unknown>;
    }
  | { readonly ids: Record<string, unknown>; readonly skipped: Record<string, unknown> };

/**
 * The shape of the two Connect commands that set and clear a host's payout failure (the
 * host is `event.account`): read the object, then one write ordered on the event's
 * `created`, shared by both, so the newer event wins whichever of the two it is.
 */
export function hostPayoutFailureCommand<S extends z.ZodType>(spec: {
  readonly name: string;
  readonly object: S;
  readonly step: (object: z.output<S>, hostAccountId: string) => PayoutFailureStep;
}): Command {
  return {
    name: spec.name,
    endpoint: 'connect',
    async run(event, { db }) {
      const hostAccountId = connectedAccountOf(event);
      const step = spec.step(readObject(event, spec.object), hostAccountId);
      if ('skipped' in step) return { outcome: 'processed', effects: { hostAccountId, ...step.ids, ...step.skipped } };
      if (!(await step.write(db, eventCreatedAt(event)))) return { outcome: 'stale', effects: { hostAccountId, ...step.ids } };
      return { outcome: 'processed', effects: { hostAccountId, ...step.ids, ...step.applied } };
    },
  };
}

import type Stripe from 'stripe';
import { z } from 'zod';
import { findChargeClawback, lockCharge, lostDisputeAmount, raiseChargeClawback, upsertDispute } from '@pipeline/db';
import type { Command, CommandContext } from './command.ts';
import { applyChargeClawback } from './clawback.ts';
import { eventCreatedAt, readObject, stripeRef } from './event-payload.ts';
import { stripeFailure } from './stripe-failure.ts';

const disputeSchema = z.object({
  id: z.string().min(1),
  charge: stripeRef,
  amount: z.number().int().nonnegative(),
  currency: z.string().min(1),
  reason: z.string().nullish(),
  status: z.string().min(1),
});

/** The charge's amount: from an earlier clawback of it, else asked of Stripe (a failure is retried as stripe-failure.ts says). */
async function chargeAmount(context: CommandContext, chargeId: string): Promise<number> {
  const known = await findChargeClawback(context.db, chargeId);
  if (known !== undefined) return known.chargeAmount;
  try {
    return (await context.stripe.charges.retrieve(chargeId)).amount;
  } catch (err: unknown) {
    throw stripeFailure(err, `charge ${chargeId}`);
  }
}

/**
 * `charge.dispute.created`, `charge.dispute.updated` and `charge.dispute.closed`: the
 * platform's dispute policy (docs/operations.md). Every dispute is recorded in `disputes`
 * as its newest event says; nothing is taken from the hosts while it is open (the platform
 * carries the disputed amount meanwhile). When it is closed `lost`, the disputed amount is
 * gone for good: it is added to the charge's clawback (the sum of its lost disputes) and
 * taken back from the charge's host transfers in proportion, exactly as a refund of that
 * amount would be (clawback.ts), reason `dispute_lost`. A dispute won, or closed as
 * `warning_closed`, takes nothing back.
 */
export const recordDispute: Command = {
  name: 'RecordDispute',
  endpoint: 'platform',
  async run(event: Stripe.Event, context) {
    const dispute = readObject(event, disputeSchema);
    const base = { disputeId: dispute.id, chargeId: dispute.charge, amount: dispute.amount, status: dispute.status };
    const lost = event.type === 'charge.dispute.closed' && dispute.status === 'lost';
    // Asked before any lock: a Stripe call never holds the charge's lock longer than needed.
    const amountOfCharge = lost ? await chargeAmount(context, dispute.charge) : 0;
    await lockCharge(context.db, dispute.charge);
    const applied = await upsertDispute(context.db, {
      id: dispute.id,
      chargeId: dispute.charge,
      amount: dispute.amount,
      currency: dispute.currency,
      reason: dispute.reason ?? null,
      status: dispute.status,
      eventCreated: eventCreatedAt(event),
    });
    if (!applied) return { outcome: 'stale', effects: base };
    if (!lost) return { outcome: 'processed', effects: base };
    const lostInAll = await lostDisputeAmount(context.db, dispute.charge);
    const clawback = await raiseChargeClawback(context.db, {
      chargeId: dispute.charge,
      chargeAmount: amountOfCharge,
      currency: dispute.currency,
      amountRefunded: 0,
      disputeLostAmount: lostInAll,
    });
    const reversals = await applyChargeClawback(context, dispute.charge, event.id, 'dispute_lost');
    return { outcome: 'processed', effects: { ...base, amountRefunded: clawback.amountRefunded, disputeLostAmount: clawback.disputeLostAmount, reversals } };
  },
};

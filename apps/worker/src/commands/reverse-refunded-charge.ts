import type Stripe from 'stripe';
import { z } from 'zod';
import { lockCharge, raiseChargeClawback } from '@pipeline/db';
import type { Command } from './command.ts';
import { applyChargeClawback } from './clawback.ts';
import { readObject } from './event-payload.ts';

/** The refunded charge: `amount_refunded` is cumulative over all its refunds. */
const chargeSchema = z.object({
  id: z.string().min(1),
  amount: z.number().int().positive(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string().min(1),
});

/**
 * `charge.refunded`: the customer got `amount_refunded` of the charge back (cumulative, so
 * partial refunds arriving in any order, or twice, converge on the newest total). Records
 * the total in `charge_clawbacks` (only ever raised), then takes back from each host
 * transfer this charge paid for (its `source_transaction`) its share of the total, in
 * proportion to what the host was owed (clawback.ts): a Stripe transfer reversal for a paid
 * transfer, a smaller or cancelled transfer for one still held. When the invoice's own
 * `invoice.paid` has not been applied yet, the total waits in `charge_clawbacks` and
 * invoice.paid takes it back from the transfers it records (both hold the charge's lock).
 */
export const reverseRefundedCharge: Command = {
  name: 'ReverseRefundedCharge',
  endpoint: 'platform',
  async run(event: Stripe.Event, context) {
    const charge = readObject(event, chargeSchema);
    await lockCharge(context.db, charge.id);
    const clawback = await raiseChargeClawback(context.db, {
      chargeId: charge.id,
      chargeAmount: charge.amount,
      currency: charge.currency,
      amountRefunded: Math.min(charge.amount_refunded, charge.amount),
      disputeLostAmount: 0,
    });
    const reversals = await applyChargeClawback(context, charge.id, event.id, 'refunded');
    return {
      outcome: 'processed',
      effects: { chargeId: charge.id, chargeAmount: charge.amount, amountRefunded: clawback.amountRefunded, disputeLostAmount: clawback.disputeLostAmount, reversals },
    };
  },
};

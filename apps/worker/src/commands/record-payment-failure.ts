import { z } from 'zod';
import { insertPaymentFailure } from '@pipeline/db';
import type { Command } from './command.ts';
import { eventCreatedAt, readObject, stripeRef, unixSeconds } from './event-payload.ts';

/**
 * The invoice of an `invoice.payment_failed` event. Its subscription is the top-level
 * `subscription` in API versions before 2025-03-31.basil and
 * `parent.subscription_details.subscription` since; either is read.
 */
const invoiceSchema = z.object({
  id: z.string().min(1),
  customer: stripeRef,
  attempt_count: z.number().int().nonnegative(),
  amount_due: z.number().int().nonnegative(),
  currency: z.string().min(1),
  next_payment_attempt: unixSeconds.nullish(),
  subscription: stripeRef.nullish(),
  parent: z.object({ subscription_details: z.object({ subscription: stripeRef.nullish() }).nullish() }).nullish(),
});

/**
 * `invoice.payment_failed`: one `payment_failures` row per invoice and attempt (a second
 * event for the same attempt changes nothing). Access is left alone: it changes only
 * through the subscription's own events (`past_due`, `unpaid`, `canceled`...).
 */
export const recordPaymentFailure: Command = {
  name: 'RecordPaymentFailure',
  endpoint: 'platform',
  async run(event, { db }) {
    const invoice = readObject(event, invoiceSchema);
    const subscriptionId = invoice.subscription ?? invoice.parent?.subscription_details?.subscription ?? null;
    const nextAttempt = invoice.next_payment_attempt ?? null;
    const recorded = await insertPaymentFailure(db, {
      invoiceId: invoice.id,
      attemptCount: invoice.attempt_count,
      customerId: invoice.customer,
      subscriptionId,
      amountDue: invoice.amount_due,
      currency: invoice.currency,
      nextPaymentAttempt: nextAttempt === null ? null : new Date(nextAttempt * 1000),
      failedAt: eventCreatedAt(event),
    });
    return {
      outcome: 'processed',
      effects: {
        invoiceId: invoice.id,
        attempt: invoice.attempt_count,
        customerId: invoice.customer,
        subscriptionId,
        amountDue: invoice.amount_due,
        currency: invoice.currency,
        recorded,
      },
    };
  },
};

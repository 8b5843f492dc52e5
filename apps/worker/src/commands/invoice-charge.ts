import type Stripe from 'stripe';
import { inStripeCall } from '@pipeline/core';
import type { CommandContext } from './command.ts';
import { stripeFailure } from './stripe-failure.ts';

/** What the `invoice.paid` payload says about the invoice's payment, already read. */
export interface InvoicePaymentHint {
  readonly invoiceId: string;
  /** The top-level `charge` of API versions before 2025-03-31.basil. */
  readonly charge: string | null;
  /** The `payments` list, present only when the payload expanded it. */
  readonly payments: ReadonlyArray<{ readonly status: string | null; readonly charge: string | null; readonly paymentIntent: string | null }> | null;
}

/**
 * The charge that paid the invoice, for the transfers' `source_transaction`; null when the
 * invoice was paid without one (out of band, or from the customer's credit balance).
 *
 * Since API version 2025-03-31 (basil) an invoice names neither `charge` nor its payments
 * unless `payments` is expanded, and a webhook's invoice never is. Stripe's documented way
 * is the invoice's payments: `GET /v1/invoice_payments?invoice=in_...&status=paid`, whose
 * `payment` is a `charge`, or a `payment_intent` whose `latest_charge` is the charge. The
 * payload's `charge` or expanded payments are used when they name one, without a call.
 * A failed lookup throws as stripe-failure.ts says (a 5xx is a TransientError, retried).
 */
export async function invoiceCharge(stripe: CommandContext['stripe'], hint: InvoicePaymentHint): Promise<string | null> {
  if (hint.charge !== null) return hint.charge;
  const fromPayload = hint.payments?.filter((payment) => payment.status === 'paid') ?? [];
  const charged = fromPayload.find((payment) => payment.charge !== null);
  if (charged?.charge != null) return charged.charge;
  const intent = fromPayload.find((payment) => payment.paymentIntent !== null)?.paymentIntent;
  if (intent != null) return latestChargeOf(stripe, intent);
  // An expanded list is the invoice's payments already: none of them names a charge.
  if (hint.payments !== null) return null;

  let listed: Stripe.ApiList<Stripe.InvoicePayment>;
  try {
    listed = await inStripeCall('invoicePayments.list', () => stripe.invoicePayments.list({ invoice: hint.invoiceId, status: 'paid', limit: 10 }));
  } catch (err: unknown) {
    throw stripeFailure(err, `invoice payments of ${hint.invoiceId}`);
  }
  for (const { payment } of listed.data) {
    const charge = idOf(payment.charge);
    if (charge !== null) return charge;
    const paymentIntent = payment.payment_intent;
    if (paymentIntent != null && typeof paymentIntent !== 'string') return idOf(paymentIntent.latest_charge);
    if (paymentIntent != null) return latestChargeOf(stripe, paymentIntent);
  }
  return null;
}

async function latestChargeOf(stripe: CommandContext['stripe'], paymentIntentId: string): Promise<string | null> {
  try {
    return idOf((await inStripeCall('paymentIntents.retrieve', () => stripe.paymentIntents.retrieve(paymentIntentId))).latest_charge);
  } catch (err: unknown) {
    throw stripeFailure(err, `payment intent ${paymentIntentId}`);
  }
}

function idOf(ref: string | { id: string } | null | undefined): string | null {
  if (ref == null) return null;
  return typeof ref === 'string' ? ref : ref.id;
}

import type { CommandContext } from './command.ts';
import { stripeFailure } from './stripe-failure.ts';

/** A `host_transfers` row that Stripe has not been asked to pay yet. */
export interface UnpaidHostTransfer {
  readonly invoiceId: string;
  readonly hostAccountId: string;
  /** In the currency's smallest unit. */
  readonly amount: number;
  readonly currency: string;
  readonly idempotencyKey: string;
  /** The invoice's charge, so the transfer can be made before the funds are available; null without one. */
  readonly sourceTransaction: string | null;
}

/** The idempotency key of the transfer that pays `hostAccountId` for `invoiceId`: the same on every attempt. */
export function transferIdempotencyKey(invoiceId: string, hostAccountId: string): string {
  return `transfer:${invoiceId}:${hostAccountId}`;
}

/**
 * Pays one host transfer at Stripe and marks its row `paid` with the transfer id. Two
 * guards against paying twice, since a command is re-run from scratch after a rollback
 * while its Stripe calls stay made:
 * - the invoice's transfer group is searched first, and a transfer already made to this
 *   host is recorded instead of made again. This covers what idempotency keys cannot:
 *   Stripe forgets them after 24 hours, and an operator may replay a parked event days
 *   after a first attempt paid one host and failed on another;
 * - the create carries the row's idempotency key and parameters only from the row, so a
 *   request repeated while Stripe still holds the key (the SDK's own retry of a lost
 *   answer, a create still in flight when the search ran) gets the same transfer back.
 * Stripe failures throw as TransientError or PermanentError (stripe-failure.ts).
 */
export async function payHostTransfer(context: Pick<CommandContext, 'db' | 'stripe' | 'logger'>, transfer: UnpaidHostTransfer): Promise<string> {
  let paid: { id: string; found: boolean };
  try {
    paid = await findOrCreateTransfer(context.stripe, transfer);
  } catch (err: unknown) {
    throw stripeFailure(err, `transfer ${transfer.idempotencyKey}`);
  }
  await context.db.query(
    `UPDATE host_transfers SET status = 'paid', stripe_transfer_id = $3, paid_at = now()
      WHERE invoice_id = $1 AND host_account_id = $2`,
    [transfer.invoiceId, transfer.hostAccountId, paid.id],
  );
  context.logger.info(
    { invoiceId: transfer.invoiceId, hostAccountId: transfer.hostAccountId, transferId: paid.id, amount: transfer.amount, found: paid.found },
    'host transfer paid',
  );
  return paid.id;
}

async function findOrCreateTransfer(stripe: CommandContext['stripe'], transfer: UnpaidHostTransfer): Promise<{ id: string; found: boolean }> {
  const existing = await stripe.transfers.list({ transfer_group: transfer.invoiceId, destination: transfer.hostAccountId, limit: 1 });
  const earlier = existing.data[0];
  if (earlier !== undefined) return { id: earlier.id, found: true };
  const created = await stripe.transfers.create(
    {
      amount: transfer.amount,
      currency: transfer.currency,
      destination: transfer.hostAccountId,
      transfer_group: transfer.invoiceId,
      ...(transfer.sourceTransaction === null ? {} : { source_transaction: transfer.sourceTransaction }),
      metadata: { invoice_id: transfer.invoiceId, host_account_id: transfer.hostAccountId },
    },
    { idempotencyKey: transfer.idempotencyKey },
  );
  return { id: created.id, found: false };
}

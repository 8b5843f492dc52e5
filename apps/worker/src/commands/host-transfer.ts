import Stripe from 'stripe';
import { inStripeCall, TransientError } from '@pipeline/core';
import { markTransferPaid, setKeyGeneration } from '@pipeline/db';
import type { CommandContext } from './command.ts';
import { stripeFailure } from './stripe-failure.ts';

/** A `host_transfers` row that Stripe has not been asked to pay yet, or whose payment failed. */
export interface UnpaidHostTransfer {
  readonly invoiceId: string;
  readonly hostAccountId: string;
  /** In the currency's smallest unit. */
  readonly amount: number;
  readonly currency: string;
  /** The invoice's charge, so the transfer waits for its funds rather than drawing on the balance; null without one. */
  readonly sourceTransaction: string | null;
  /** The row's idempotency-key generation (0 for a new row). */
  readonly keyGeneration: number;
}

/**
 * The idempotency key of the transfer that pays `hostAccountId` for `invoiceId`:
 * `transfer:{invoice}:{host}` for generation 0 (the key rows always had), then
 * `transfer:{invoice}:{host}:g{n}`.
 */
export function transferIdempotencyKey(invoiceId: string, hostAccountId: string, generation = 0): string {
  const base = `transfer:${invoiceId}:${hostAccountId}`;
  return generation === 0 ? base : `${base}:g${generation}`;
}

/** A loop guard: each generation needs a replayed answer to move on, and there are never this many. */
const maxGenerationsPerAttempt = 16;

/** Whether Stripe answered from its idempotency store (an earlier request's saved answer), not by running this request. */
function isReplayed(headers: Record<string, unknown> | undefined): boolean {
  return headers?.['idempotent-replayed'] === 'true';
}

/** A transfer that a full reversal took back: it does not pay the host. */
function isFullyReversed(transfer: Stripe.Transfer): boolean {
  return transfer.reversed || transfer.amount_reversed >= transfer.amount;
}

/**
 * Pays one host transfer at Stripe and marks its row `paid` with the transfer id and the
 * key generation used. Stripe failures throw as TransientError or PermanentError
 * (stripe-failure.ts); the caller decides what a failure does to the row.
 *
 * Never paying twice, since a command is re-run from scratch after a rollback while its
 * Stripe calls stay made:
 * - every create is preceded by a list of the invoice's transfer group to this host; a
 *   transfer found there that is not fully reversed is recorded instead of making one.
 *   This covers what keys cannot: Stripe forgets them after 24 hours, and an operator may
 *   replay a parked event days after a first attempt paid one host and failed on another;
 * - the create carries the generation's idempotency key and parameters only from the row,
 *   so a repeat while Stripe still holds the key (the SDK's own retry of a lost answer, a
 *   create still in flight when the list ran) gets the same answer back.
 *
 * Stripe keeps the first answer of a key for 24 hours, errors and 500s included. When a
 * create is answered with a saved error (the `Idempotent-Replayed` header: an earlier
 * request's answer, so that request is over) or with a saved transfer that has since been
 * fully reversed, the key is spent: the list runs again and, when it still finds nothing
 * that pays the host, the next generation is used. A fresh error answer is thrown as is:
 * the next attempt lists first, and only then moves past the key. The generation is written
 * to the row in the caller's transaction before the create that uses it, and left in
 * `progress` for a caller that rolls that write back and records the failure instead.
 */
export async function payHostTransfer(
  context: Pick<CommandContext, 'db' | 'stripe' | 'logger'>,
  transfer: UnpaidHostTransfer,
  progress: { generation: number } = { generation: transfer.keyGeneration },
): Promise<string> {
  let generation = transfer.keyGeneration;
  for (let round = 0; round < maxGenerationsPerAttempt; round += 1) {
    progress.generation = generation;
    const key = transferIdempotencyKey(transfer.invoiceId, transfer.hostAccountId, generation);
    if (generation !== transfer.keyGeneration) await setKeyGeneration(context.db, transfer.invoiceId, transfer.hostAccountId, generation, key);
    let outcome: { id: string; found: boolean } | 'key spent';
    try {
      outcome = await findOrCreateTransfer(context.stripe, transfer, key);
    } catch (err: unknown) {
      const failure = stripeFailure(err, `transfer ${key}`);
      if (!(err instanceof Stripe.errors.StripeError) || !isReplayed(err.headers)) throw failure;
      context.logger.warn({ invoiceId: transfer.invoiceId, hostAccountId: transfer.hostAccountId, generation, err: failure }, 'transfer key holds an error answer; next generation');
      outcome = 'key spent';
    }
    if (outcome === 'key spent') {
      generation += 1;
      continue;
    }
    await markTransferPaid(context.db, transfer.invoiceId, transfer.hostAccountId, outcome.id, generation, key);
    context.logger.info(
      { invoiceId: transfer.invoiceId, hostAccountId: transfer.hostAccountId, transferId: outcome.id, amount: transfer.amount, found: outcome.found, generation },
      'host transfer paid',
    );
    return outcome.id;
  }
  throw new TransientError(`transfer ${transfer.invoiceId} to ${transfer.hostAccountId}: ${maxGenerationsPerAttempt} idempotency keys in a row held error answers`);
}

async function findOrCreateTransfer(stripe: CommandContext['stripe'], transfer: UnpaidHostTransfer, idempotencyKey: string): Promise<{ id: string; found: boolean } | 'key spent'> {
  const existing = await inStripeCall('transfers.list', () => stripe.transfers.list({ transfer_group: transfer.invoiceId, destination: transfer.hostAccountId, limit: 100 }));
  const earlier = existing.data.find((candidate) => !isFullyReversed(candidate));
  if (earlier !== undefined) return { id: earlier.id, found: true };
  const created = await inStripeCall('transfers.create', () =>
    stripe.transfers.create(
      {
        amount: transfer.amount,
        currency: transfer.currency,
        destination: transfer.hostAccountId,
        transfer_group: transfer.invoiceId,
        ...(transfer.sourceTransaction === null ? {} : { source_transaction: transfer.sourceTransaction }),
        metadata: { invoice_id: transfer.invoiceId, host_account_id: transfer.hostAccountId },
      },
      { idempotencyKey },
    ),
  );
  // The key's saved answer is a transfer that was reversed since: it pays nobody now.
  if (isFullyReversed(created)) return 'key spent';
  return { id: created.id, found: false };
}

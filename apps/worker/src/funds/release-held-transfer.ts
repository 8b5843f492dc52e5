import type { PoolClient } from 'pg';
import type { Logger } from '@pipeline/core';
import type Stripe from 'stripe';
import { payHostTransfer } from '../commands/host-transfer.ts';
import { InsufficientFundsError } from '../commands/stripe-failure.ts';
import { recordTransferFailure, type HeldTransferRow } from '@pipeline/db';

/** How one release ended. */
export type ReleaseOutcome =
  | { readonly kind: 'paid'; readonly invoiceId: string; readonly amount: number; readonly transferId: string }
  | { readonly kind: 'failed'; readonly invoiceId: string; readonly amount: number; readonly reason: 'awaiting_funds' | 'release_failed'; readonly error: string };

/**
 * Pays one held transfer inside its own SAVEPOINT of the caller's transaction. On failure
 * whatever the attempt wrote is rolled back to the savepoint, and the failure is recorded
 * on the row instead: the key generation reached, one more attempt, the error, why it waits
 * (`awaiting_funds` for balance_insufficient, else `release_failed`) and when the release
 * sweep may try again (`retryInMs(reason, attempts)` from now). The caller's transaction
 * goes on, so one failing transfer never undoes the others nor the command around it.
 */
export async function releaseHeldTransfer(
  context: { db: PoolClient; stripe: Stripe; logger: Logger },
  row: HeldTransferRow,
  retryInMs: (reason: 'awaiting_funds' | 'release_failed', attemptsSoFar: number) => number,
): Promise<ReleaseOutcome> {
  const { db } = context;
  const amount = Number(row.amount);
  const progress = { generation: row.key_generation };
  await db.query('SAVEPOINT release_transfer');
  try {
    const transferId = await payHostTransfer(context, {
      invoiceId: row.invoice_id,
      hostAccountId: row.host_account_id,
      amount,
      currency: row.currency,
      sourceTransaction: row.source_transaction,
      keyGeneration: row.key_generation,
    }, progress);
    await db.query('RELEASE SAVEPOINT release_transfer');
    return { kind: 'paid', invoiceId: row.invoice_id, amount, transferId };
  } catch (err: unknown) {
    await db.query('ROLLBACK TO SAVEPOINT release_transfer');
    const reason = err instanceof InsufficientFundsError ? 'awaiting_funds' : 'release_failed';
    const error = err instanceof Error ? err.message : String(err);
    await recordTransferFailure(db, {
      invoiceId: row.invoice_id,
      hostAccountId: row.host_account_id,
      reason,
      error,
      retryInMs: retryInMs(reason, row.attempts + 1),
      // Every generation before this one was used only after a list found nothing: keep the progress.
      keyGeneration: progress.generation,
    });
    context.logger.warn({ invoiceId: row.invoice_id, hostAccountId: row.host_account_id, reason, attempts: row.attempts + 1, err }, 'held transfer release failed');
    return { kind: 'failed', invoiceId: row.invoice_id, amount, reason, error };
  }
}

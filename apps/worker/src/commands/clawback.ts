import Stripe from 'stripe';
import { TransientError } from '@pipeline/core';
import {
  findChargeClawback,
  lockChargeTransfers,
  recordTransferReversal,
  setReversalKeyGeneration,
  type ChargeClawback,
  type ClawbackReason,
  type ClawbackTransferRow,
} from '@pipeline/db';
import type { CommandContext } from './command.ts';
import { splitPayout } from './split-payout.ts';
import { stripeFailure } from './stripe-failure.ts';

/** What one host transfer gave back for a charge in one run. */
export interface ClawbackEffect {
  readonly invoiceId: string;
  readonly hostAccountId: string;
  /** The cumulative amount this transfer owes back for the charge now. */
  readonly target: number;
  /** Taken back by this run (0: already taken back before). */
  readonly amount: number;
  readonly kind: 'reversal' | 'reduction' | 'none';
  readonly reversalId?: string;
}

/** A loop guard: each generation needs a replayed error answer to move on. */
const maxGenerationsPerAttempt = 16;

/**
 * The idempotency key of the reversal that brings the host's transfer for `chargeId` to
 * `target` cents taken back: `reversal:{charge}:{host}:{target}` for generation 0, then
 * `:g{n}`. The same target (a duplicated or retried event) gives the same key; a larger
 * cumulative refund gives a new one.
 */
export function reversalIdempotencyKey(chargeId: string, hostAccountId: string, target: number, generation = 0): string {
  const base = `reversal:${chargeId}:${hostAccountId}:${target}`;
  return generation === 0 ? base : `${base}:g${generation}`;
}

/**
 * How much of each host transfer the charge's clawback takes back, cumulative: the charge's
 * refunded plus lost-dispute amount (at most the charge) split over the hosts' original
 * amounts and the platform's part (the rest of the charge), pro rata, in whole cents that
 * sum exactly (largest remainder, split-payout.ts). A full refund takes back every host's
 * whole amount. Keyed `{invoice} {host}`.
 */
export function clawbackTargets(clawback: ChargeClawback, rows: readonly Pick<ClawbackTransferRow, 'invoice_id' | 'host_account_id' | 'amount'>[]): Map<string, number> {
  const owedToHosts = rows.reduce((sum, row) => sum + Number(row.amount), 0);
  const platformPart = Math.max(0, clawback.chargeAmount - owedToHosts);
  const total = Math.min(clawback.amountRefunded + clawback.disputeLostAmount, owedToHosts + platformPart);
  // '~' sorts after every Stripe id: the platform's claim never wins a tie over a host's.
  const claims = [...rows.map((row) => ({ hostAccountId: `${row.invoice_id} ${row.host_account_id}`, weight: BigInt(row.amount) })), { hostAccountId: '~platform', weight: BigInt(platformPart) }];
  const shares = splitPayout(total, claims);
  return new Map(shares.filter((share) => share.hostAccountId !== '~platform').map((share) => [share.hostAccountId, share.amount]));
}

/**
 * Brings every host transfer paid for by `chargeId` to what the charge's recorded clawback
 * (charge_clawbacks) takes back from it. The caller holds the charge's lock (lockCharge).
 * Cumulative, never by deltas: each transfer gives back `target - reversed_amount` when that
 * is positive, never more than is left of it, so events arriving late, out of order or twice
 * change nothing more. A held or blocked transfer is owed less instead (`reduction`; at
 * nothing it is `cancelled`); a paid one is reversed at Stripe (reversal-key rules as for
 * transfers, see reverseAtStripe). Each amount is recorded in `transfer_reversals` with `eventId`
 * and `reasonGiven` (default: `refunded` when the charge was refunded at all, else `dispute_lost`).
 */
export async function applyChargeClawback(
  context: Pick<CommandContext, 'db' | 'stripe' | 'logger'>,
  chargeId: string,
  eventId: string,
  reasonGiven?: ClawbackReason,
): Promise<ClawbackEffect[]> {
  const { db } = context;
  const clawback = await findChargeClawback(db, chargeId);
  if (clawback === undefined) return [];
  const reason = reasonGiven ?? (clawback.amountRefunded > 0 ? 'refunded' : 'dispute_lost');
  const rows = await lockChargeTransfers(db, chargeId);
  if (rows.length === 0) return [];
  const targets = clawbackTargets(clawback, rows);
  const effects: ClawbackEffect[] = [];
  for (const row of rows) {
    const amount = Number(row.amount);
    const reversed = Number(row.reversed_amount);
    const target = Math.min(targets.get(`${row.invoice_id} ${row.host_account_id}`) ?? 0, amount);
    const due = Math.min(target - reversed, amount - reversed);
    const base = { invoiceId: row.invoice_id, hostAccountId: row.host_account_id, target };
    if (due <= 0 || row.status === 'cancelled') {
      effects.push({ ...base, amount: 0, kind: 'none' });
      continue;
    }
    if (row.status !== 'paid' || row.stripe_transfer_id === null) {
      await recordTransferReversal(db, {
        invoiceId: row.invoice_id,
        hostAccountId: row.host_account_id,
        kind: 'reduction',
        amount: due,
        currency: row.currency,
        reason,
        chargeId,
        stripeTransferId: null,
        stripeReversalId: null,
        idempotencyKey: null,
        eventId,
      });
      effects.push({ ...base, amount: due, kind: 'reduction' });
      continue;
    }
    const reversal = await reverseAtStripe(context, { row, chargeId, target, amount: due });
    await recordTransferReversal(db, {
      invoiceId: row.invoice_id,
      hostAccountId: row.host_account_id,
      kind: 'reversal',
      amount: reversal.amount,
      currency: row.currency,
      reason,
      chargeId,
      stripeTransferId: row.stripe_transfer_id,
      stripeReversalId: reversal.id,
      idempotencyKey: reversal.key,
      eventId,
    });
    context.logger.info({ chargeId, invoiceId: row.invoice_id, hostAccountId: row.host_account_id, reversalId: reversal.id, amount: reversal.amount, target }, 'host transfer reversed');
    effects.push({ ...base, amount: reversal.amount, kind: 'reversal', reversalId: reversal.id });
  }
  return effects;
}

function isReplayed(headers: Record<string, unknown> | undefined): boolean {
  return headers?.['idempotent-replayed'] === 'true';
}

/**
 * Reverses `amount` of the row's paid transfer so that `target` is taken back in all.
 * First lists the transfer's reversals: one already made for this target (metadata
 * `reversal_key`: a run whose commit was lost, or whose key Stripe forgot after 24 hours)
 * is answered instead of making another. The create carries the key of the row's reversal
 * generation; an answer replayed from Stripe's idempotency store that is an error means the
 * key is spent (Stripe keeps a 500 under its key for 24 hours): the generation moves on
 * (written to the row first, kept if the event's transaction commits) and it tries again
 * after listing again. A fresh error is thrown as stripe-failure.ts classes it.
 */
async function reverseAtStripe(
  context: Pick<CommandContext, 'db' | 'stripe' | 'logger'>,
  request: { row: ClawbackTransferRow; chargeId: string; target: number; amount: number },
): Promise<{ id: string; amount: number; key: string }> {
  const { row, chargeId, target } = request;
  const transferId = row.stripe_transfer_id ?? '';
  const keyTag = reversalIdempotencyKey(chargeId, row.host_account_id, target);
  let generation = row.reversal_key_generation;
  for (let round = 0; round < maxGenerationsPerAttempt; round += 1) {
    const key = reversalIdempotencyKey(chargeId, row.host_account_id, target, generation);
    if (generation !== row.reversal_key_generation) await setReversalKeyGeneration(context.db, row.invoice_id, row.host_account_id, generation);
    try {
      const listed = await context.stripe.transfers.listReversals(transferId, { limit: 100 });
      const earlier = listed.data.find((reversal) => reversal.metadata?.reversal_key === keyTag);
      if (earlier !== undefined) return { id: earlier.id, amount: earlier.amount, key };
      const created = await context.stripe.transfers.createReversal(
        transferId,
        { amount: request.amount, metadata: { reversal_key: keyTag, charge_id: chargeId, invoice_id: row.invoice_id, host_account_id: row.host_account_id } },
        { idempotencyKey: key },
      );
      return { id: created.id, amount: created.amount, key };
    } catch (err: unknown) {
      const failure = stripeFailure(err, `reversal ${key} of ${transferId}`);
      if (!(err instanceof Stripe.errors.StripeError) || !isReplayed(err.headers)) throw failure;
      context.logger.warn({ chargeId, hostAccountId: row.host_account_id, generation, err: failure }, 'reversal key holds an error answer; next generation');
      generation += 1;
    }
  }
  throw new TransientError(`reversal of ${transferId} for ${chargeId}: ${maxGenerationsPerAttempt} idempotency keys in a row held error answers`);
}

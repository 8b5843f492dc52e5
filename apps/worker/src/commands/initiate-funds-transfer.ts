import type Stripe from 'stripe';
import { z } from 'zod';
import type { PoolClient } from 'pg';
import { bookedHoursByHost, insertHostTransfer, lockCharge, lockHosts, payoutStatesOf, recordTransferFailure } from '@pipeline/db';
import { applyChargeClawback } from './clawback.ts';
import type { Command } from './command.ts';
import { readObject, stripeRef, unixSeconds } from './event-payload.ts';
import { payHostTransfer, transferIdempotencyKey } from './host-transfer.ts';
import { invoiceCharge } from './invoice-charge.ts';
import { platformFee } from './platform-fee.ts';
import { splitPayout, type PayoutClaim } from './split-payout.ts';
import { InsufficientFundsError } from './stripe-failure.ts';

/**
 * The paid invoice. Its charge (the transfers' `source_transaction`) is the top-level
 * `charge` in API versions before 2025-03-31.basil; since then it is in the `payments`
 * list, which Stripe includes only when expanded, so a webhook's invoice names none and
 * invoice-charge.ts asks Stripe for the invoice's payments.
 */
const invoiceSchema = z.object({
  id: z.string().min(1),
  customer: stripeRef,
  currency: z.string().min(1),
  amount_paid: z.number().int().nonnegative(),
  period_start: unixSeconds,
  period_end: unixSeconds,
  charge: stripeRef.nullish(),
  payments: z
    .object({
      data: z.array(
        z.object({
          status: z.string().nullish(),
          payment: z.object({ charge: stripeRef.nullish(), payment_intent: stripeRef.nullish() }).nullish(),
        }),
      ),
    })
    .nullish(),
});

type PaidInvoice = z.output<typeof invoiceSchema>;
type TransferStatus = 'paid' | 'held' | 'blocked' | 'awaiting funds' | 'cancelled';

interface TransferEffect {
  readonly hostAccountId: string;
  readonly hours: string;
  readonly amount: number;
  readonly status: TransferStatus | 'already recorded';
  readonly transferId?: string;
}

function paymentHint(invoice: PaidInvoice): Parameters<typeof invoiceCharge>[1] {
  return {
    invoiceId: invoice.id,
    charge: invoice.charge ?? null,
    payments:
      invoice.payments?.data.map((payment) => ({
        status: payment.status ?? null,
        charge: payment.payment?.charge ?? null,
        paymentIntent: payment.payment?.payment_intent ?? null,
      })) ?? null,
  };
}

/** Hours each host was booked by `customerId` in [start, end), as exact hundredths. */
async function bookedHours(db: PoolClient, customerId: string, start: Date, end: Date): Promise<Array<PayoutClaim & { hours: string }>> {
  const rows = await bookedHoursByHost(db, customerId, start, end);
  return rows.map((row) => ({ hostAccountId: row.host_account_id, hours: row.hours, weight: BigInt(row.hundredths) }));
}

/** Whether each host can be paid now: `blocked` once deauthorized, `held` while unknown or without payouts. */
async function payability(db: PoolClient, accountIds: readonly string[]): Promise<Map<string, 'pay' | 'held' | 'blocked'>> {
  const rows = await payoutStatesOf(db, accountIds);
  const known = new Map(rows.map((row) => [row.account_id, row.deauthorized ? 'blocked' : row.payouts_enabled ? 'pay' : 'held'] as const));
  return new Map(accountIds.map((id) => [id, known.get(id) ?? 'held']));
}

/**
 * `invoice.paid`: pays the hosts this customer booked during the invoice's period
 * (`bookings.starts_at` in [period_start, period_end)). The platform keeps its fee
 * (PLATFORM_FEE_PERCENT of `amount_paid`, to the nearest cent, half a cent up: see
 * platform-fee.ts); the rest is split pro rata to hours in whole cents that sum exactly
 * (split-payout.ts). Each host owed more than 0 gets a `host_transfers` row keyed
 * `transfer:{invoice}:{host}`: paid at once with a Stripe Transfer (`transfer_group` =
 * invoice id) if its payouts are enabled, `held` until they are if the host is unknown
 * or not yet able to receive payouts, `blocked` for good if it was deauthorized. A host
 * already recorded for this invoice (by another event about it) is left as it is.
 *
 * Every transfer carries the invoice's charge as `source_transaction` when it has one
 * (invoice-charge.ts), so it is made at once and paid out when the charge's funds are.
 * Without one a transfer draws on the available balance; when Stripe answers
 * `balance_insufficient` the row is held `awaiting_funds` and the worker's release sweep
 * retries it on the long TRANSFER_FUNDS_RETRY_DELAYS schedule, instead of failing the event.
 *
 * A refund or lost dispute of the charge that was applied before this event (a refund
 * racing the invoice's payment) is waiting in `charge_clawbacks`: the rows are recorded
 * first, the charge's clawback reduces them (clawback.ts), and only what is left is paid;
 * a host owed nothing then is `cancelled`. The charge's lock orders this with the refund.
 */
export const initiateFundsTransfer: Command = {
  name: 'InitiateFundsTransfer',
  endpoint: 'platform',
  async run(event: Stripe.Event, context) {
    const { db } = context;
    const invoice = readObject(event, invoiceSchema);
    const fee = platformFee(invoice.amount_paid, context.platformFeePercent);
    const transferable = invoice.amount_paid - fee;
    const claims = await bookedHours(db, invoice.customer, new Date(invoice.period_start * 1000), new Date(invoice.period_end * 1000));
    const hoursOf = new Map(claims.map((claim) => [claim.hostAccountId, claim.hours]));
    const owed = splitPayout(transferable, claims).filter((share) => share.amount > 0);
    // Asked only when someone is owed: an invoice without bookings costs no Stripe call.
    const sourceTransaction = owed.length === 0 ? null : await invoiceCharge(context.stripe, paymentHint(invoice));

    const hostIds = owed.map((share) => share.hostAccountId);
    // Before the hosts' locks, as every command that takes back money for a charge does.
    if (sourceTransaction !== null) await lockCharge(db, sourceTransaction);
    await lockHosts(db, hostIds);
    const canPay = await payability(db, hostIds);

    const recordedNow: Array<{ hostAccountId: string; hours: string; amount: number }> = [];
    const transfers: TransferEffect[] = [];
    for (const share of owed) {
      const hostAccountId = share.hostAccountId;
      const hours = hoursOf.get(hostAccountId) ?? '0';
      const decision = canPay.get(hostAccountId) ?? 'held';
      const recorded = await insertHostTransfer(db, {
        invoiceId: invoice.id,
        hostAccountId,
        amount: share.amount,
        currency: invoice.currency,
        hours,
        status: decision === 'blocked' ? 'blocked' : 'held',
        idempotencyKey: transferIdempotencyKey(invoice.id, hostAccountId),
        sourceTransaction,
        holdReason: decision === 'blocked' ? null : 'payouts_disabled',
      });
      if (recorded) recordedNow.push({ hostAccountId, hours, amount: share.amount });
      else transfers.push({ hostAccountId, hours, amount: share.amount, status: 'already recorded' });
    }
    // A refund or lost dispute of the charge applied before this invoice: owed less, before anything is paid.
    const clawbacks = sourceTransaction === null ? [] : await applyChargeClawback(context, sourceTransaction, event.id);
    const takenBack = new Map(clawbacks.filter((effect) => effect.invoiceId === invoice.id).map((effect) => [effect.hostAccountId, effect.target]));

    for (const { hostAccountId, hours, amount: owedAmount } of recordedNow) {
      const decision = canPay.get(hostAccountId) ?? 'held';
      const amount = owedAmount - (takenBack.get(hostAccountId) ?? 0);
      if (amount <= 0) {
        transfers.push({ hostAccountId, hours, amount: 0, status: 'cancelled' });
        continue;
      }
      if (decision !== 'pay') {
        transfers.push({ hostAccountId, hours, amount, status: decision });
        continue;
      }
      let transferId: string;
      try {
        transferId = await payHostTransfer(context, {
          invoiceId: invoice.id,
          hostAccountId,
          amount,
          currency: invoice.currency,
          sourceTransaction,
          keyGeneration: 0,
        });
      } catch (err: unknown) {
        if (!(err instanceof InsufficientFundsError)) throw err;
        // Due at the sweep's next round; from there it follows TRANSFER_FUNDS_RETRY_DELAYS.
        await recordTransferFailure(db, { invoiceId: invoice.id, hostAccountId, reason: 'awaiting_funds', error: err.message, retryInMs: 0 });
        context.logger.warn({ invoiceId: invoice.id, hostAccountId, err }, 'host transfer awaiting funds');
        transfers.push({ hostAccountId, hours, amount, status: 'awaiting funds' });
        continue;
      }
      transfers.push({ hostAccountId, hours, amount, status: 'paid', transferId });
    }

    return {
      outcome: 'processed',
      effects: {
        invoiceId: invoice.id,
        customerId: invoice.customer,
        currency: invoice.currency,
        amountPaid: invoice.amount_paid,
        feePercent: context.platformFeePercent,
        fee,
        transferable,
        sourceTransaction,
        transfers,
        ...(clawbacks.some((effect) => effect.amount > 0) ? { clawbacks } : {}),
      },
    };
  },
};

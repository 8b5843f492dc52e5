import type Stripe from 'stripe';
import { z } from 'zod';
import type { PoolClient } from 'pg';
import type { Command } from './command.ts';
import { readObject, stripeRef, unixSeconds } from './event-payload.ts';
import { lockHosts } from './host-lock.ts';
import { payHostTransfer, transferIdempotencyKey } from './host-transfer.ts';
import { platformFee } from './platform-fee.ts';
import { splitPayout, type PayoutClaim } from './split-payout.ts';

/**
 * The paid invoice. Its charge (the transfers' `source_transaction`) is the top-level
 * `charge` in API versions before 2025-03-31.basil; since then it is in the `payments`
 * list, which Stripe includes only when expanded. We take `charge` when present, else
 * the first `paid` invoice payment of type charge; a payment made through a
 * PaymentIntent names no charge, and we do not call Stripe to look one up: the transfers
 * are then made without `source_transaction`, from the platform's available balance.
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
      data: z.array(z.object({ status: z.string().nullish(), payment: z.object({ charge: stripeRef.nullish() }).nullish() })),
    })
    .nullish(),
});

type PaidInvoice = z.output<typeof invoiceSchema>;
type TransferStatus = 'paid' | 'held' | 'blocked';

interface TransferEffect {
  readonly hostAccountId: string;
  readonly hours: string;
  readonly amount: number;
  readonly status: TransferStatus | 'already recorded';
  readonly transferId?: string;
}

function sourceTransactionOf(invoice: PaidInvoice): string | null {
  if (invoice.charge != null) return invoice.charge;
  const paid = invoice.payments?.data.find((payment) => payment.status === 'paid' && payment.payment?.charge != null);
  return paid?.payment?.charge ?? null;
}

/** Hours each host was booked by `customerId` in [start, end), as exact hundredths. */
async function bookedHours(db: PoolClient, customerId: string, start: Date, end: Date): Promise<Array<PayoutClaim & { hours: string }>> {
  const { rows } = await db.query<{ host_account_id: string; hours: string; hundredths: string }>(
    `SELECT host_account_id, SUM(hours)::text AS hours, (SUM(hours) * 100)::bigint::text AS hundredths
       FROM bookings
      WHERE customer_id = $1 AND starts_at >= $2 AND starts_at < $3
      GROUP BY host_account_id`,
    [customerId, start, end],
  );
  return rows.map((row) => ({ hostAccountId: row.host_account_id, hours: row.hours, weight: BigInt(row.hundredths) }));
}

/** Whether each host can be paid now: `blocked` once deauthorized, `held` while unknown or without payouts. */
async function payability(db: PoolClient, accountIds: readonly string[]): Promise<Map<string, 'pay' | 'held' | 'blocked'>> {
  const { rows } = await db.query<{ account_id: string; payouts_enabled: boolean; deauthorized: boolean }>(
    'SELECT account_id, payouts_enabled, deauthorized_at IS NOT NULL AS deauthorized FROM hosts WHERE account_id = ANY($1)',
    [accountIds],
  );
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
 */
export const initiateFundsTransfer: Command = {
  name: 'InitiateFundsTransfer',
  endpoint: 'platform',
  async run(event: Stripe.Event, context) {
    const { db } = context;
    const invoice = readObject(event, invoiceSchema);
    const fee = platformFee(invoice.amount_paid, context.platformFeePercent);
    const transferable = invoice.amount_paid - fee;
    const sourceTransaction = sourceTransactionOf(invoice);
    const claims = await bookedHours(db, invoice.customer, new Date(invoice.period_start * 1000), new Date(invoice.period_end * 1000));
    const hoursOf = new Map(claims.map((claim) => [claim.hostAccountId, claim.hours]));
    const owed = splitPayout(transferable, claims).filter((share) => share.amount > 0);

    const hostIds = owed.map((share) => share.hostAccountId);
    await lockHosts(db, hostIds);
    const canPay = await payability(db, hostIds);

    const transfers: TransferEffect[] = [];
    for (const share of owed) {
      const hostAccountId = share.hostAccountId;
      const hours = hoursOf.get(hostAccountId) ?? '0';
      const idempotencyKey = transferIdempotencyKey(invoice.id, hostAccountId);
      const decision = canPay.get(hostAccountId) ?? 'held';
      const { rowCount } = await db.query(
        `INSERT INTO host_transfers
           (invoice_id, host_account_id, amount, currency, hours, status, idempotency_key, source_transaction)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (invoice_id, host_account_id) DO NOTHING`,
        [invoice.id, hostAccountId, share.amount, invoice.currency, hours, decision === 'blocked' ? 'blocked' : 'held', idempotencyKey, sourceTransaction],
      );
      if (rowCount === 0) {
        transfers.push({ hostAccountId, hours, amount: share.amount, status: 'already recorded' });
        continue;
      }
      if (decision !== 'pay') {
        transfers.push({ hostAccountId, hours, amount: share.amount, status: decision });
        continue;
      }
      const transferId = await payHostTransfer(context, {
        invoiceId: invoice.id,
        hostAccountId,
        amount: share.amount,
        currency: invoice.currency,
        idempotencyKey,
        sourceTransaction,
      });
      transfers.push({ hostAccountId, hours, amount: share.amount, status: 'paid', transferId });
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
      },
    };
  },
};

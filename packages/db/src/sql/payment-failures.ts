import type { PoolClient } from 'pg';

/** One failed attempt to pay an invoice, as `invoice.payment_failed` reports it. */
export interface PaymentFailure {
  readonly invoiceId: string;
  readonly attemptCount: number;
  readonly customerId: string;
  readonly subscriptionId: string | null;
  /** In the currency's smallest unit. */
  readonly amountDue: number;
  readonly currency: string;
  readonly nextPaymentAttempt: Date | null;
  /** The event's time. */
  readonly failedAt: Date;
}

/**
 * Records the failure in `payment_failures`, one row per invoice and attempt; answers
 * false when that attempt was already recorded (nothing changed).
 */
export async function insertPaymentFailure(db: PoolClient, failure: PaymentFailure): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO payment_failures
         (invoice_id, attempt_count, customer_id, subscription_id, amount_due, currency, next_payment_attempt, failed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (invoice_id, attempt_count) DO NOTHING`,
    [failure.invoiceId, failure.attemptCount, failure.customerId, failure.subscriptionId, failure.amountDue, failure.currency,
      failure.nextPaymentAttempt, failure.failedAt],
  );
  return rowCount === 1;
}

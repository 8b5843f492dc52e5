import type { Pool, PoolClient } from 'pg';

/**
 * Statements on `host_transfers`: what one host is owed for one invoice, and whether it was
 * paid. The worker's statements run on the caller's client, inside the caller's transaction.
 */

/** A new row: `held` (waiting for the host's payouts, or paid at once by the caller) or `blocked` (host deauthorized). */
export interface NewHostTransfer {
  readonly invoiceId: string;
  readonly hostAccountId: string;
  /** In the currency's smallest unit. */
  readonly amount: number;
  readonly currency: string;
  /** Booked hours, exact. */
  readonly hours: string;
  readonly status: 'held' | 'blocked';
  readonly idempotencyKey: string;
  readonly sourceTransaction: string | null;
  readonly holdReason: 'payouts_disabled' | null;
}

/** Records what the host is owed for the invoice; false when a row already existed (nothing changed). */
export async function insertHostTransfer(db: PoolClient, transfer: NewHostTransfer): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO host_transfers
           (invoice_id, host_account_id, amount, currency, hours, status, idempotency_key, source_transaction, hold_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (invoice_id, host_account_id) DO NOTHING`,
    [
      transfer.invoiceId,
      transfer.hostAccountId,
      transfer.amount,
      transfer.currency,
      transfer.hours,
      transfer.status,
      transfer.idempotencyKey,
      transfer.sourceTransaction,
      transfer.holdReason,
    ],
  );
  return rowCount !== 0;
}

/** Moves the host's `held` transfers to `blocked` (it was deauthorized); answers those rows. */
export async function blockHeldTransfers(db: PoolClient, hostAccountId: string): Promise<Array<{ invoice_id: string; amount: string }>> {
  const { rows } = await db.query<{ invoice_id: string; amount: string }>(
    `UPDATE host_transfers SET status = 'blocked'
        WHERE host_account_id = $1 AND status = 'held'
        RETURNING invoice_id, amount::text`,
    [hostAccountId],
  );
  return rows;
}

/** A held row as a release reads it. */
export interface HeldTransferRow {
  readonly invoice_id: string;
  readonly host_account_id: string;
  readonly amount: string;
  readonly currency: string;
  readonly source_transaction: string | null;
  readonly key_generation: number;
  readonly attempts: number;
}

// `amount` is what the host is still owed: what a refund of the charge took back before it was paid is not.
const heldColumnsOf = (t: string): string =>
  `${t}invoice_id, ${t}host_account_id, (${t}amount - ${t}reversed_amount)::text AS amount, ${t}currency, ${t}source_transaction, ${t}key_generation, ${t}attempts`;
const heldColumns = heldColumnsOf('');

/** Marks the row paid with Stripe's transfer id, under the key generation that was used. */
export async function markTransferPaid(db: PoolClient, invoiceId: string, hostAccountId: string, transferId: string, keyGeneration: number, idempotencyKey: string): Promise<void> {
  await db.query(
    `UPDATE host_transfers
        SET status = 'paid', stripe_transfer_id = $3, paid_at = now(), key_generation = $4, idempotency_key = $5,
            hold_reason = NULL, next_attempt_at = NULL
      WHERE invoice_id = $1 AND host_account_id = $2`,
    [invoiceId, hostAccountId, transferId, keyGeneration, idempotencyKey],
  );
}

/** Moves the row to its next key generation (kept only if the transaction commits). */
export async function setKeyGeneration(db: PoolClient, invoiceId: string, hostAccountId: string, keyGeneration: number, idempotencyKey: string): Promise<void> {
  await db.query('UPDATE host_transfers SET key_generation = $3, idempotency_key = $4 WHERE invoice_id = $1 AND host_account_id = $2', [
    invoiceId,
    hostAccountId,
    keyGeneration,
    idempotencyKey,
  ]);
}

/**
 * Records a failed payment on a row that stays `held`: why, one more attempt, the error,
 * when the release sweep may try again (`retryInMs` from now; 0: at its next round), and
 * the key generation reached when given (host-transfer.ts names its key).
 */
export async function recordTransferFailure(
  db: PoolClient,
  failure: { invoiceId: string; hostAccountId: string; reason: 'awaiting_funds' | 'release_failed'; error: string; retryInMs: number; keyGeneration?: number },
): Promise<void> {
  await db.query(
    `UPDATE host_transfers
        SET status = 'held', hold_reason = $3, attempts = attempts + 1, last_error = $4,
            next_attempt_at = now() + $5 * interval '1 millisecond',
            key_generation = COALESCE($6, key_generation),
            idempotency_key = CASE WHEN $6::integer IS NULL OR $6::integer = 0 THEN idempotency_key
                                   ELSE 'transfer:' || invoice_id || ':' || host_account_id || ':g' || $6::integer END
      WHERE invoice_id = $1 AND host_account_id = $2`,
    [failure.invoiceId, failure.hostAccountId, failure.reason, failure.error, failure.retryInMs, failure.keyGeneration ?? null],
  );
}

/**
 * The host's held transfers that a release may pay now, locked: those waiting for its
 * payouts, and those whose retry is due (a row waiting for funds keeps its schedule).
 */
export async function lockReleasableTransfers(db: PoolClient, hostAccountId: string): Promise<HeldTransferRow[]> {
  const { rows } = await db.query<HeldTransferRow>(
    `SELECT ${heldColumns}
       FROM host_transfers
      WHERE host_account_id = $1 AND status = 'held' AND (next_attempt_at IS NULL OR next_attempt_at <= now())
      ORDER BY created_at, invoice_id FOR UPDATE`,
    [hostAccountId],
  );
  return rows;
}

/**
 * One held transfer whose retry is due and whose host can be paid, locked; rows another
 * transaction holds are skipped, so replicas sweeping at once never take the same row, and
 * so are the hosts in `skipHosts`.
 */
export async function lockDueTransfer(db: PoolClient, skipHosts: readonly string[] = []): Promise<HeldTransferRow | undefined> {
  const { rows } = await db.query<HeldTransferRow>(
    `SELECT ${heldColumnsOf('t.')}
       FROM host_transfers t JOIN hosts h ON h.account_id = t.host_account_id
      WHERE t.status = 'held' AND t.next_attempt_at <= now() AND h.payouts_enabled AND h.deauthorized_at IS NULL
        AND NOT (t.host_account_id = ANY($1::text[]))
      ORDER BY t.next_attempt_at
      LIMIT 1
      FOR UPDATE OF t SKIP LOCKED`,
    [skipHosts],
  );
  return rows[0];
}

/** A row of `host_transfers` as operators see it (`events show`). */
export interface HostTransferRow {
  hostAccountId: string;
  amount: string;
  currency: string;
  hours: string;
  status: string;
  stripeTransferId: string | null;
  sourceTransaction: string | null;
  createdAt: Date;
  paidAt: Date | null;
}

/** The transfers the worker recorded for an invoice, by host. */
export async function findHostTransfers(pool: Pool, invoiceId: string): Promise<HostTransferRow[]> {
  const { rows } = await pool.query<HostTransferRow>(
    `SELECT host_account_id AS "hostAccountId", amount::text AS amount, currency, hours::text AS hours, status,
            stripe_transfer_id AS "stripeTransferId", source_transaction AS "sourceTransaction",
            created_at AS "createdAt", paid_at AS "paidAt"
       FROM host_transfers WHERE invoice_id = $1 ORDER BY host_account_id`,
    [invoiceId],
  );
  return rows;
}

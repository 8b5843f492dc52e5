import type { Pool, PoolClient } from 'pg';

/**
 * Statements on money that flows back: `charge_clawbacks` (what a charge gave back to the
 * customer, cumulative), `disputes`, and `transfer_reversals` (every amount taken back from
 * a host transfer). The worker's statements run on the caller's client, in its transaction.
 */

/** The first key of every charge lock ("Chrg" in ASCII), apart from the hosts' locks. */
const chargeLockSpace = 0x43687267;

/**
 * Holds the charge's lock until the transaction ends. Taken by invoice.paid before it
 * records the transfers a charge paid for, and by every command that takes money back for
 * a charge, so a refund racing the invoice's own payment is seen by one of the two.
 */
export async function lockCharge(db: PoolClient, chargeId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2))', [chargeLockSpace, chargeId]);
}

/** What went back on a charge so far. */
export interface ChargeClawback {
  readonly chargeId: string;
  readonly chargeAmount: number;
  readonly currency: string;
  readonly amountRefunded: number;
  readonly disputeLostAmount: number;
}

/**
 * Raises the charge's cumulative refunded and lost-dispute amounts to at least the given
 * ones (never lowers them: a late or repeated event counts once), and answers the row.
 */
export async function raiseChargeClawback(db: PoolClient, clawback: ChargeClawback): Promise<ChargeClawback> {
  const { rows } = await db.query<{ charge_amount: string; currency: string; amount_refunded: string; dispute_lost_amount: string }>(
    `INSERT INTO charge_clawbacks AS c (charge_id, charge_amount, currency, amount_refunded, dispute_lost_amount)
          VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (charge_id) DO UPDATE SET
          amount_refunded = GREATEST(c.amount_refunded, excluded.amount_refunded),
          dispute_lost_amount = GREATEST(c.dispute_lost_amount, excluded.dispute_lost_amount),
          updated_at = now()
     RETURNING charge_amount::text, currency, amount_refunded::text, dispute_lost_amount::text`,
    [clawback.chargeId, clawback.chargeAmount, clawback.currency, clawback.amountRefunded, clawback.disputeLostAmount],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`charge_clawbacks upsert of ${clawback.chargeId} returned no row`);
  return {
    chargeId: clawback.chargeId,
    chargeAmount: Number(row.charge_amount),
    currency: row.currency,
    amountRefunded: Number(row.amount_refunded),
    disputeLostAmount: Number(row.dispute_lost_amount),
  };
}

/** The charge's clawback, if any event recorded one. */
export async function findChargeClawback(db: PoolClient, chargeId: string): Promise<ChargeClawback | undefined> {
  const { rows } = await db.query<{ charge_amount: string; currency: string; amount_refunded: string; dispute_lost_amount: string }>(
    'SELECT charge_amount::text, currency, amount_refunded::text, dispute_lost_amount::text FROM charge_clawbacks WHERE charge_id = $1',
    [chargeId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { chargeId, chargeAmount: Number(row.charge_amount), currency: row.currency, amountRefunded: Number(row.amount_refunded), disputeLostAmount: Number(row.dispute_lost_amount) };
}

/** A host transfer as a clawback reads it, locked. */
export interface ClawbackTransferRow {
  readonly invoice_id: string;
  readonly host_account_id: string;
  readonly amount: string;
  readonly reversed_amount: string;
  readonly currency: string;
  readonly status: 'held' | 'paid' | 'blocked' | 'cancelled';
  readonly stripe_transfer_id: string | null;
  readonly reversal_key_generation: number;
}

/** The host transfers the charge paid for (their `source_transaction`), locked, by host. */
export async function lockChargeTransfers(db: PoolClient, chargeId: string): Promise<ClawbackTransferRow[]> {
  const { rows } = await db.query<ClawbackTransferRow>(
    `SELECT invoice_id, host_account_id, amount::text, reversed_amount::text, currency, status, stripe_transfer_id, reversal_key_generation
       FROM host_transfers WHERE source_transaction = $1
      ORDER BY host_account_id, invoice_id FOR UPDATE`,
    [chargeId],
  );
  return rows;
}

/**
 * The invoice's host transfers not paid yet (held or blocked), by host; locked with `lock`.
 * A caller that also takes the hosts' locks reads unlocked first, takes them, then reads
 * locked: a release holds a host's lock while it waits for the host's rows.
 */
export async function unpaidInvoiceTransfers(db: PoolClient, invoiceId: string, lock: boolean): Promise<ClawbackTransferRow[]> {
  const { rows } = await db.query<ClawbackTransferRow>(
    `SELECT invoice_id, host_account_id, amount::text, reversed_amount::text, currency, status, stripe_transfer_id, reversal_key_generation
       FROM host_transfers WHERE invoice_id = $1 AND status IN ('held', 'blocked')
      ORDER BY host_account_id${lock ? ' FOR UPDATE' : ''}`,
    [invoiceId],
  );
  return rows;
}

export type ClawbackReason = 'refunded' | 'dispute_lost' | 'invoice_voided' | 'invoice_uncollectible';

/** One amount taken back from a host transfer. */
export interface NewTransferReversal {
  readonly invoiceId: string;
  readonly hostAccountId: string;
  readonly kind: 'reversal' | 'reduction' | 'cancellation';
  readonly amount: number;
  readonly currency: string;
  readonly reason: ClawbackReason;
  readonly chargeId: string | null;
  readonly stripeTransferId: string | null;
  readonly stripeReversalId: string | null;
  readonly idempotencyKey: string | null;
  readonly eventId: string;
}

/**
 * Records what was taken back and adds it to the row's `reversed_amount`; a row never paid
 * and now owed nothing becomes `cancelled`. False, with nothing changed, when this Stripe
 * reversal was already recorded (a retry that met the key's saved answer).
 */
export async function recordTransferReversal(db: PoolClient, reversal: NewTransferReversal): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO transfer_reversals
           (invoice_id, host_account_id, kind, amount, currency, reason, charge_id, stripe_transfer_id, stripe_reversal_id, idempotency_key, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (stripe_reversal_id) DO NOTHING`,
    [
      reversal.invoiceId,
      reversal.hostAccountId,
      reversal.kind,
      reversal.amount,
      reversal.currency,
      reversal.reason,
      reversal.chargeId,
      reversal.stripeTransferId,
      reversal.stripeReversalId,
      reversal.idempotencyKey,
      reversal.eventId,
    ],
  );
  if (rowCount === 0) return false;
  await db.query(
    `UPDATE host_transfers
        SET reversed_amount = reversed_amount + $3,
            status = CASE WHEN status <> 'paid' AND reversed_amount + $3 >= amount THEN 'cancelled' ELSE status END,
            cancel_reason = CASE WHEN status <> 'paid' AND reversed_amount + $3 >= amount THEN $4 ELSE cancel_reason END,
            hold_reason = CASE WHEN status <> 'paid' AND reversed_amount + $3 >= amount THEN NULL ELSE hold_reason END,
            next_attempt_at = CASE WHEN status <> 'paid' AND reversed_amount + $3 >= amount THEN NULL ELSE next_attempt_at END
      WHERE invoice_id = $1 AND host_account_id = $2`,
    [reversal.invoiceId, reversal.hostAccountId, reversal.amount, reversal.reason],
  );
  return true;
}

/** Moves the row's reversal keys to `generation` (kept only if the transaction commits). */
export async function setReversalKeyGeneration(db: PoolClient, invoiceId: string, hostAccountId: string, generation: number): Promise<void> {
  await db.query('UPDATE host_transfers SET reversal_key_generation = $3 WHERE invoice_id = $1 AND host_account_id = $2', [invoiceId, hostAccountId, generation]);
}

/** A dispute as its event reports it. */
export interface DisputeRecord {
  readonly id: string;
  readonly chargeId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string | null;
  readonly status: string;
  readonly eventCreated: Date;
}

/** Stores the dispute unless a newer event about it already did; true when applied. */
export async function upsertDispute(db: PoolClient, dispute: DisputeRecord): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO disputes AS d (id, charge_id, amount, currency, reason, status, event_created)
          VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET amount = excluded.amount, reason = excluded.reason, status = excluded.status,
          event_created = excluded.event_created, updated_at = now()
     WHERE excluded.event_created >= d.event_created`,
    [dispute.id, dispute.chargeId, dispute.amount, dispute.currency, dispute.reason, dispute.status, dispute.eventCreated],
  );
  return rowCount !== 0;
}

/** The sum of the charge's lost disputes. */
export async function lostDisputeAmount(db: PoolClient, chargeId: string): Promise<number> {
  const { rows } = await db.query<{ lost: string }>("SELECT COALESCE(sum(amount), 0)::text AS lost FROM disputes WHERE charge_id = $1 AND status = 'lost'", [chargeId]);
  return Number(rows[0]?.lost ?? 0);
}

/** A row of `transfer_reversals` as operators see it (`events show`). */
export interface TransferReversalRow {
  invoiceId: string;
  hostAccountId: string;
  kind: string;
  amount: string;
  currency: string;
  reason: string;
  chargeId: string | null;
  stripeTransferId: string | null;
  stripeReversalId: string | null;
  createdAt: Date;
}

/** What the event took back from host transfers. */
export async function findEventReversals(pool: Pool, eventId: string): Promise<TransferReversalRow[]> {
  const { rows } = await pool.query<TransferReversalRow>(
    `SELECT invoice_id AS "invoiceId", host_account_id AS "hostAccountId", kind, amount::text AS amount, currency, reason,
            charge_id AS "chargeId", stripe_transfer_id AS "stripeTransferId", stripe_reversal_id AS "stripeReversalId", created_at AS "createdAt"
       FROM transfer_reversals WHERE event_id = $1 ORDER BY id`,
    [eventId],
  );
  return rows;
}

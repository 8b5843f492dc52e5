import type { Pool } from '@pipeline/db';

/** A row of `host_transfers`: what one host is owed for one invoice. */
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

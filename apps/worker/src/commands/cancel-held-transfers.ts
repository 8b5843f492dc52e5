import type Stripe from 'stripe';
import { z } from 'zod';
import { lockHosts, recordTransferReversal, unpaidInvoiceTransfers } from '@pipeline/db';
import type { Command } from './command.ts';
import { readObject } from './event-payload.ts';

const invoiceSchema = z.object({ id: z.string().min(1) });

/**
 * `invoice.voided` and `invoice.marked_uncollectible`: the invoice will not be paid, so no
 * host is paid for it. Every transfer of the invoice not paid yet (held or blocked) is
 * cancelled, what it still owed recorded as a `cancellation` in `transfer_reversals`. A
 * paid transfer is left as it is (the money moved; a refund or lost dispute of its charge
 * takes it back). Takes the hosts' locks first, as the release of held transfers does, so
 * a release and a cancellation never both apply.
 */
export const cancelHeldTransfers: Command = {
  name: 'CancelHeldTransfers',
  endpoint: 'platform',
  async run(event: Stripe.Event, { db }) {
    const invoice = readObject(event, invoiceSchema);
    const reason = event.type === 'invoice.voided' ? 'invoice_voided' : 'invoice_uncollectible';
    const candidates = await unpaidInvoiceTransfers(db, invoice.id, false);
    await lockHosts(db, candidates.map((row) => row.host_account_id));
    // Read again under the hosts' locks: a release may have paid one meanwhile.
    const rows = await unpaidInvoiceTransfers(db, invoice.id, true);
    const cancelled = [];
    for (const row of rows) {
      const left = Number(row.amount) - Number(row.reversed_amount);
      if (left <= 0) continue;
      await recordTransferReversal(db, {
        invoiceId: row.invoice_id,
        hostAccountId: row.host_account_id,
        kind: 'cancellation',
        amount: left,
        currency: row.currency,
        reason,
        chargeId: null,
        stripeTransferId: null,
        stripeReversalId: null,
        idempotencyKey: null,
        eventId: event.id,
      });
      cancelled.push({ hostAccountId: row.host_account_id, amount: left, was: row.status });
    }
    return { outcome: 'processed', effects: { invoiceId: invoice.id, reason, cancelled } };
  },
};

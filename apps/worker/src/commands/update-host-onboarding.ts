import { z } from 'zod';
import { PermanentError } from '@pipeline/core';
import type { Command } from './command.ts';
import { eventCreatedAt, readObject } from './event-payload.ts';
import { lockHosts } from './host-lock.ts';
import { payHostTransfer } from './host-transfer.ts';

/** `requirements` is optional in Stripe's Account type; without it nothing is due. */
const accountSchema = z.object({
  id: z.string().min(1),
  charges_enabled: z.boolean(),
  payouts_enabled: z.boolean(),
  details_submitted: z.boolean(),
  requirements: z
    .object({ currently_due: z.array(z.string()).nullish(), past_due: z.array(z.string()).nullish() })
    .nullish(),
});

// Ordered on `onboarding_event_created`: an event of the same second applies (the later
// arrival wins), an older one changes nothing.
const upsertSql = `
  INSERT INTO hosts AS h (account_id, charges_enabled, payouts_enabled, details_submitted, requirements_due, onboarding_event_created)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (account_id) DO UPDATE SET
    charges_enabled = excluded.charges_enabled, payouts_enabled = excluded.payouts_enabled,
    details_submitted = excluded.details_submitted, requirements_due = excluded.requirements_due,
    onboarding_event_created = excluded.onboarding_event_created, updated_at = now()
  WHERE h.onboarding_event_created IS NULL OR excluded.onboarding_event_created >= h.onboarding_event_created
  RETURNING payouts_enabled, deauthorized_at IS NOT NULL AS deauthorized`;

/**
 * `account.updated` (Connect): stores the host's onboarding state (`charges_enabled`,
 * `payouts_enabled`, `details_submitted`, and the requirements due: `currently_due`
 * then any `past_due` not already listed). When the applied state has payouts enabled
 * and the host is not deauthorized, each of its `held` transfers is paid with its stored
 * parameters and idempotency key. Every applied event with payouts enabled releases, not
 * only the one that enabled them, so a release that failed is retried by the next one.
 */
export const updateHostOnboarding: Command = {
  name: 'UpdateHostOnboarding',
  endpoint: 'connect',
  async run(event, context) {
    const { db } = context;
    const account = readObject(event, accountSchema);
    if (event.account !== undefined && event.account !== account.id) {
      throw new PermanentError(`${event.type} event ${event.id} cannot be applied: data.object.id is not the event's account`);
    }
    const currentlyDue = account.requirements?.currently_due ?? [];
    const requirementsDue = [...new Set([...currentlyDue, ...(account.requirements?.past_due ?? [])])];

    await lockHosts(db, [account.id]);
    const { rows } = await db.query<{ payouts_enabled: boolean; deauthorized: boolean }>(upsertSql, [
      account.id,
      account.charges_enabled,
      account.payouts_enabled,
      account.details_submitted,
      requirementsDue,
      eventCreatedAt(event),
    ]);
    const applied = rows[0];
    if (applied === undefined) return { outcome: 'stale', effects: { hostAccountId: account.id } };

    const released: Array<{ invoiceId: string; amount: number; transferId: string }> = [];
    if (applied.payouts_enabled && !applied.deauthorized) {
      const held = await db.query<{ invoice_id: string; amount: string; currency: string; idempotency_key: string; source_transaction: string | null }>(
        `SELECT invoice_id, amount::text, currency, idempotency_key, source_transaction
           FROM host_transfers WHERE host_account_id = $1 AND status = 'held'
          ORDER BY created_at, invoice_id FOR UPDATE`,
        [account.id],
      );
      for (const row of held.rows) {
        const amount = Number(row.amount);
        const transferId = await payHostTransfer(context, {
          invoiceId: row.invoice_id,
          hostAccountId: account.id,
          amount,
          currency: row.currency,
          idempotencyKey: row.idempotency_key,
          sourceTransaction: row.source_transaction,
        });
        released.push({ invoiceId: row.invoice_id, amount, transferId });
      }
    }
    return {
      outcome: 'processed',
      effects: {
        hostAccountId: account.id,
        chargesEnabled: account.charges_enabled,
        payoutsEnabled: account.payouts_enabled,
        detailsSubmitted: account.details_submitted,
        requirementsDue,
        deauthorized: applied.deauthorized,
        released,
      },
    };
  },
};

import type { Command } from './command.ts';
import { connectedAccountOf, eventCreatedAt } from './event-payload.ts';
import { lockHosts } from './host-lock.ts';

/**
 * `account.application.deauthorized` (Connect; the host is `event.account`, the object is
 * our application): the host disconnected the platform. Its listings are hidden and it
 * can no longer be paid: `deauthorized_at` is what every payout path checks, its `held`
 * transfers become `blocked` and new ones are recorded `blocked` (the money stays with
 * the platform for operators to settle). The host row is created if this is the first we
 * hear of it. A second deauthorization keeps the earliest time. The `payouts_enabled`
 * Stripe last reported is left as it was: it describes the account, not our access.
 * Nothing brings a host back: reconnecting (`account.application.authorized`) has no
 * command yet.
 */
export const deauthorizeHost: Command = {
  name: 'DeauthorizeHost',
  endpoint: 'connect',
  async run(event, { db }) {
    const hostAccountId = connectedAccountOf(event);
    await lockHosts(db, [hostAccountId]);
    const { rows } = await db.query<{ deauthorized_at: Date }>(
      `INSERT INTO hosts AS h (account_id, deauthorized_at, listings_hidden) VALUES ($1, $2, true)
       ON CONFLICT (account_id) DO UPDATE SET
         deauthorized_at = LEAST(h.deauthorized_at, excluded.deauthorized_at), listings_hidden = true, updated_at = now()
       RETURNING deauthorized_at`,
      [hostAccountId, eventCreatedAt(event)],
    );
    const blocked = await db.query<{ invoice_id: string; amount: string }>(
      `UPDATE host_transfers SET status = 'blocked'
        WHERE host_account_id = $1 AND status = 'held'
        RETURNING invoice_id, amount::text`,
      [hostAccountId],
    );
    return {
      outcome: 'processed',
      effects: {
        hostAccountId,
        deauthorizedAt: rows[0]?.deauthorized_at.toISOString(),
        listingsHidden: true,
        blockedTransfers: blocked.rows.map((row) => ({ invoiceId: row.invoice_id, amount: Number(row.amount) })),
      },
    };
  },
};

import { blockHeldTransfers, lockHosts, markHostDeauthorized } from '@pipeline/db';
import type { Command } from './command.ts';
import { connectedAccountOf, eventCreatedAt } from './event-payload.ts';

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
    const deauthorizedAt = await markHostDeauthorized(db, hostAccountId, eventCreatedAt(event));
    const blocked = await blockHeldTransfers(db, hostAccountId);
    return {
      outcome: 'processed',
      effects: {
        hostAccountId,
        deauthorizedAt: deauthorizedAt?.toISOString(),
        listingsHidden: true,
        blockedTransfers: blocked.map((row) => ({ invoiceId: row.invoice_id, amount: Number(row.amount) })),
      },
    };
  },
};

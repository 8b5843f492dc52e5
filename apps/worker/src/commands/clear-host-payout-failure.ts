import { z } from 'zod';
import type { Command } from './command.ts';
import { connectedAccountOf, eventCreatedAt, readObject } from './event-payload.ts';

/** A bank account or a card; cards have no `status`. */
const externalAccountSchema = z.object({ id: z.string().min(1), status: z.string().nullish() });

/**
 * `account.external_account.updated` (Connect; the host is `event.account`): the host
 * changed its external account, so the payout failure flag is cleared. Two exceptions:
 * - an account whose status is `errored` fixes nothing: Stripe sends this very event
 *   when a payout fails and marks the bank account errored, so it must not clear the
 *   flag that `payout.failed` sets;
 * - ordering on `payout_event_created` (shared with FlagHostPayoutFailure): a clear
 *   older than the last failure is `stale`, and on a tie (same second) the failure wins,
 *   since wrongly asking a host to check its bank details costs less than missing a
 *   failed payout.
 */
export const clearHostPayoutFailure: Command = {
  name: 'ClearHostPayoutFailure',
  endpoint: 'connect',
  async run(event, { db }) {
    const hostAccountId = connectedAccountOf(event);
    const externalAccount = readObject(event, externalAccountSchema);
    if (externalAccount.status === 'errored') {
      return { outcome: 'processed', effects: { hostAccountId, externalAccountId: externalAccount.id, cleared: false, reason: 'external account errored' } };
    }
    const { rowCount } = await db.query(
      `INSERT INTO hosts AS h (account_id, payout_event_created) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET
         payout_failure_code = NULL, payout_failure_payout_id = NULL, payout_failed_at = NULL,
         payout_event_created = excluded.payout_event_created, updated_at = now()
       WHERE h.payout_event_created IS NULL
          OR excluded.payout_event_created > h.payout_event_created
          OR (excluded.payout_event_created = h.payout_event_created AND h.payout_failed_at IS NULL)`,
      [hostAccountId, eventCreatedAt(event)],
    );
    if (rowCount === 0) return { outcome: 'stale', effects: { hostAccountId, externalAccountId: externalAccount.id } };
    return { outcome: 'processed', effects: { hostAccountId, externalAccountId: externalAccount.id, cleared: true } };
  },
};

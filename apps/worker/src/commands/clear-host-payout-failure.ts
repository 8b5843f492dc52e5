import { z } from 'zod';
import { clearPayoutFailure } from '@pipeline/db';
import { hostPayoutFailureCommand } from './host-payout-failure-command.ts';

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
export const clearHostPayoutFailure = hostPayoutFailureCommand({
  name: 'ClearHostPayoutFailure',
  object: externalAccountSchema,
  step: (externalAccount, hostAccountId) => {
    const ids = { externalAccountId: externalAccount.id };
    if (externalAccount.status === 'errored') return { ids, skipped: { cleared: false, reason: 'external account errored' } };
    return { ids, write: (db, eventCreated) => clearPayoutFailure(db, hostAccountId, eventCreated), applied: { cleared: true } };
  },
});

import { z } from 'zod';
import { flagPayoutFailure } from '@pipeline/db';
import { hostPayoutFailureCommand } from './host-payout-failure-command.ts';

const payoutSchema = z.object({ id: z.string().min(1), failure_code: z.string().nullish() });

/**
 * `payout.failed` (Connect; the host is `event.account`): records the failure code, the
 * payout and when it failed (the event's time) on the host, which then needs a new
 * external account. Ordered on `payout_event_created`, shared with
 * ClearHostPayoutFailure: an event of the same second applies (the later failure wins),
 * an older one changes nothing.
 */
export const flagHostPayoutFailure = hostPayoutFailureCommand({
  name: 'FlagHostPayoutFailure',
  object: payoutSchema,
  step: (payout, hostAccountId) => {
    const failureCode = payout.failure_code ?? null;
    return {
      ids: { payoutId: payout.id },
      write: (db, failedAt) => flagPayoutFailure(db, { accountId: hostAccountId, failureCode, payoutId: payout.id, failedAt }),
      applied: { failureCode },
    };
  },
});

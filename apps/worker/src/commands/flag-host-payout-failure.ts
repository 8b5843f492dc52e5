import { z } from 'zod';
import { flagPayoutFailure } from '@pipeline/db';
import type { Command } from './command.ts';
import { connectedAccountOf, eventCreatedAt, readObject } from './event-payload.ts';

const payoutSchema = z.object({ id: z.string().min(1), failure_code: z.string().nullish() });

/**
 * `payout.failed` (Connect; the host is `event.account`): records the failure code, the
 * payout and when it failed (the event's time) on the host, which then needs a new
 * external account. Ordered on `payout_event_created`, shared with
 * ClearHostPayoutFailure: an event of the same second applies (the later failure wins),
 * an older one changes nothing.
 */
export const flagHostPayoutFailure: Command = {
  name: 'FlagHostPayoutFailure',
  endpoint: 'connect',
  async run(event, { db }) {
    const hostAccountId = connectedAccountOf(event);
    const payout = readObject(event, payoutSchema);
    const failedAt = eventCreatedAt(event);
    const applied = await flagPayoutFailure(db, { accountId: hostAccountId, failureCode: payout.failure_code ?? null, payoutId: payout.id, failedAt });
    if (!applied) return { outcome: 'stale', effects: { hostAccountId, payoutId: payout.id } };
    return { outcome: 'processed', effects: { hostAccountId, payoutId: payout.id, failureCode: payout.failure_code ?? null } };
  },
};

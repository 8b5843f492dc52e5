import { z } from 'zod';
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
    const { rowCount } = await db.query(
      `INSERT INTO hosts AS h (account_id, payout_failure_code, payout_failure_payout_id, payout_failed_at, payout_event_created)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (account_id) DO UPDATE SET
         payout_failure_code = excluded.payout_failure_code, payout_failure_payout_id = excluded.payout_failure_payout_id,
         payout_failed_at = excluded.payout_failed_at, payout_event_created = excluded.payout_event_created, updated_at = now()
       WHERE h.payout_event_created IS NULL OR excluded.payout_event_created >= h.payout_event_created`,
      [hostAccountId, payout.failure_code ?? null, payout.id, failedAt],
    );
    if (rowCount === 0) return { outcome: 'stale', effects: { hostAccountId, payoutId: payout.id } };
    return { outcome: 'processed', effects: { hostAccountId, payoutId: payout.id, failureCode: payout.failure_code ?? null } };
  },
};

import { z } from 'zod';
import { PermanentError } from '@pipeline/core';
import { lockHosts, lockReleasableTransfers, upsertHostOnboarding } from '@pipeline/db';
import type { Command } from './command.ts';
import { eventCreatedAt, readObject } from './event-payload.ts';
import { releaseHeldTransfer, type ReleaseOutcome } from '../funds/release-held-transfer.ts';

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

/**
 * `account.updated` (Connect): stores the host's onboarding state (`charges_enabled`,
 * `payouts_enabled`, `details_submitted`, and the requirements due: `currently_due`
 * then any `past_due` not already listed). When the applied state has payouts enabled
 * and the host is not deauthorized, each of its `held` transfers that is due (waiting for
 * payouts, or whose retry time has come) is paid with its stored parameters and key
 * generation. Each release runs in its own savepoint: one that fails is recorded on its
 * row (attempts, last error, due at once for the worker's release sweep, which retries it
 * on its own schedule) and neither the host's update nor the other releases are undone.
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
    // Ordered on the event's time: an event of the same second applies (the later arrival wins), an older one changes nothing.
    const applied = await upsertHostOnboarding(db, {
      accountId: account.id,
      chargesEnabled: account.charges_enabled,
      payoutsEnabled: account.payouts_enabled,
      detailsSubmitted: account.details_submitted,
      requirementsDue,
      eventCreated: eventCreatedAt(event),
    });
    if (applied === undefined) return { outcome: 'stale', effects: { hostAccountId: account.id } };

    const releases: ReleaseOutcome[] = [];
    if (applied.payouts_enabled && !applied.deauthorized) {
      for (const row of await lockReleasableTransfers(db, account.id)) {
        // A failure is due at the sweep's next round, which applies the retry schedule from there.
        releases.push(await releaseHeldTransfer(context, row, () => 0));
      }
    }
    const released = releases.flatMap((release) => (release.kind === 'paid' ? [{ invoiceId: release.invoiceId, amount: release.amount, transferId: release.transferId }] : []));
    const failed = releases.flatMap((release) => (release.kind === 'failed' ? [{ invoiceId: release.invoiceId, amount: release.amount, reason: release.reason, error: release.error }] : []));
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
        ...(failed.length === 0 ? {} : { failedReleases: failed }),
      },
    };
  },
};

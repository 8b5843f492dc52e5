import type { Command } from './command.ts';
import { applySubscriptionState, readSubscription } from './subscription-state.ts';

/** Statuses in which the customer may book workspaces. */
const accessStatuses: ReadonlySet<string> = new Set(['active', 'trialing']);

/**
 * `customer.subscription.created` and `.updated`: stores the subscription's status, tier
 * (the first item's price `lookup_key`, else its product id) and current period end;
 * access is on while the status is `active` or `trialing`. An event older than the one
 * last applied to the subscription is `stale` (see subscription-state.ts for ties).
 */
export const activateCustomerSubscription: Command = {
  name: 'ActivateCustomerSubscription',
  endpoint: 'platform',
  async run(event, { db }) {
    const state = readSubscription(event);
    return applySubscriptionState(db, event, state, accessStatuses.has(state.status));
  },
};

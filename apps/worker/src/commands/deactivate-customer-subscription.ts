import type { Command } from './command.ts';
import { applySubscriptionState, readSubscription } from './subscription-state.ts';

/**
 * `customer.subscription.deleted`: access off, with the status (normally `canceled`),
 * tier and period end the deleted subscription carries. Ordered like the other
 * subscription events, so a late `updated` from before the deletion cannot reopen access.
 */
export const deactivateCustomerSubscription: Command = {
  name: 'DeactivateCustomerSubscription',
  endpoint: 'platform',
  async run(event, { db }) {
    return applySubscriptionState(db, event, readSubscription(event), false);
  },
};

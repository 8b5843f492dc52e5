import type Stripe from 'stripe';
import { z } from 'zod';
import type { PoolClient } from 'pg';
import { subscriptionSourceEvent, upsertSubscription } from '@pipeline/db';
import type { CommandResult } from './command.ts';
import { eventCreatedAt, readObject, stripeRef, unixSeconds } from './event-payload.ts';

/**
 * A customer's subscription as a `customer.subscription.*` event shows it, stored (by
 * `upsertSubscription` in @pipeline/db) if, and only if, the event is the newest seen for it.
 *
 * Where the period end lives: since API version 2025-03-31.basil Stripe puts
 * `current_period_end` on each subscription item; older versions put it on the
 * subscription. We read the first item's (the same item the tier comes from) and fall
 * back to the subscription's own field, so events of either version apply.
 */
const subscriptionSchema = z.object({
  id: z.string().min(1),
  customer: stripeRef,
  status: z.string().min(1),
  livemode: z.boolean(),
  current_period_end: unixSeconds.nullish(),
  items: z.object({
    data: z.array(
      z.object({
        current_period_end: unixSeconds.nullish(),
        price: z.object({ lookup_key: z.string().nullish(), product: stripeRef }),
      }),
    ),
  }),
});

/** What `subscriptions` stores for one subscription. */
export interface SubscriptionState {
  readonly id: string;
  readonly customerId: string;
  readonly status: Stripe.Subscription.Status;
  /** The first item's price `lookup_key`, else its product id; null without items. */
  readonly tier: string | null;
  readonly currentPeriodEnd: Date | null;
  readonly livemode: boolean;
}

/** The subscription an event carries, checked. */
export function readSubscription(event: Stripe.Event): SubscriptionState {
  const subscription = readObject(event, subscriptionSchema);
  const first = subscription.items.data[0];
  const periodEnd = first?.current_period_end ?? subscription.current_period_end ?? null;
  return {
    id: subscription.id,
    customerId: subscription.customer,
    status: subscription.status,
    tier: first === undefined ? null : (first.price.lookup_key ?? first.price.product),
    currentPeriodEnd: periodEnd === null ? null : new Date(periodEnd * 1000),
    livemode: subscription.livemode,
  };
}

/**
 * Stores `state` with `access` unless a newer event already set this subscription;
 * then changes nothing and answers `stale`, naming the event that holds it.
 */
export async function applySubscriptionState(db: PoolClient, event: Stripe.Event, state: SubscriptionState, access: boolean): Promise<CommandResult> {
  const applied = await upsertSubscription(db, { ...state, access, sourceEventId: event.id, sourceEventCreated: eventCreatedAt(event) });
  if (!applied) return { outcome: 'stale', effects: { subscriptionId: state.id, newerEventId: await subscriptionSourceEvent(db, state.id) } };
  return {
    outcome: 'processed',
    effects: { subscriptionId: state.id, customerId: state.customerId, status: state.status, tier: state.tier, access },
  };
}

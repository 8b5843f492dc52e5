import type Stripe from 'stripe';
import { z } from 'zod';
import type { PoolClient } from 'pg';
import type { CommandResult } from './command.ts';
import { eventCreatedAt, readObject, stripeRef, unixSeconds } from './event-payload.ts';

/**
 * A customer's subscription as a `customer.subscription.*` event shows it, and the one
 * statement that stores it if, and only if, the event is the newest seen for it.
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
 * Where a status sits in a subscription's life. Used only to break ties between events
 * created in the same second: within a second a subscription moves forward (created
 * `incomplete` then `active` once the first payment succeeds, `active` then `canceled`),
 * never back, so on a tie the later stage wins; on a tie of stages the later arrival wins.
 * Unknown statuses sit with `active`.
 */
const stage = (column: string): string => `CASE ${column}
  WHEN 'incomplete' THEN 0 WHEN 'trialing' THEN 1 WHEN 'active' THEN 2 WHEN 'past_due' THEN 3
  WHEN 'unpaid' THEN 4 WHEN 'paused' THEN 4 WHEN 'incomplete_expired' THEN 5 WHEN 'canceled' THEN 5 ELSE 2 END`;

// One statement, so concurrent events for one subscription serialise on its row: the
// newer event's state wins whatever the order of arrival or commit.
const upsertSql = `
  INSERT INTO subscriptions AS s
    (id, customer_id, status, tier, current_period_end, access, livemode, source_event_id, source_event_created)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
  ON CONFLICT (id) DO UPDATE SET
    customer_id = excluded.customer_id, status = excluded.status, tier = excluded.tier,
    current_period_end = excluded.current_period_end, access = excluded.access, livemode = excluded.livemode,
    source_event_id = excluded.source_event_id, source_event_created = excluded.source_event_created, updated_at = now()
  WHERE excluded.source_event_created > s.source_event_created
     OR (excluded.source_event_created = s.source_event_created AND ${stage('excluded.status')} >= ${stage('s.status')})
  RETURNING id`;

/**
 * Stores `state` with `access` unless a newer event already set this subscription;
 * then changes nothing and answers `stale`, naming the event that holds it.
 */
export async function applySubscriptionState(db: PoolClient, event: Stripe.Event, state: SubscriptionState, access: boolean): Promise<CommandResult> {
  // Named, as the statements run for every event are: parsed and planned once per connection.
  const { rowCount } = await db.query({
    name: 'subscription-upsert',
    text: upsertSql,
    values: [state.id, state.customerId, state.status, state.tier, state.currentPeriodEnd, access, state.livemode, event.id, eventCreatedAt(event)],
  });
  if (rowCount === 0) {
    const { rows } = await db.query<{ source_event_id: string }>('SELECT source_event_id FROM subscriptions WHERE id = $1', [state.id]);
    return { outcome: 'stale', effects: { subscriptionId: state.id, newerEventId: rows[0]?.source_event_id } };
  }
  return {
    outcome: 'processed',
    effects: { subscriptionId: state.id, customerId: state.customerId, status: state.status, tier: state.tier, access },
  };
}

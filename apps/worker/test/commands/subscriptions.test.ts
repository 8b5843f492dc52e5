import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '@pipeline/core';
import { buildEvent, stripeId } from '@pipeline/stripe-events';
import { activateCustomerSubscription } from '../../src/commands/activate-customer-subscription.ts';
import { deactivateCustomerSubscription } from '../../src/commands/deactivate-customer-subscription.ts';
import { createCommandHarness, type CommandHarness } from './harness.ts';

let harness: CommandHarness;
beforeAll(async () => {
  harness = await createCommandHarness();
});
afterAll(async () => {
  await harness.close();
});

interface SubscriptionRow extends Record<string, unknown> {
  customer_id: string;
  status: string;
  tier: string | null;
  current_period_end: Date | null;
  access: boolean;
  livemode: boolean;
  source_event_id: string;
}

async function subscriptionRow(id: string): Promise<SubscriptionRow | undefined> {
  const rows = await harness.query<SubscriptionRow>('SELECT * FROM subscriptions WHERE id = $1', [id]);
  return rows[0];
}

/** A subscription event about `subscription` (id and customer), in the given state. */
function subscriptionEvent(
  type: 'created' | 'updated' | 'deleted',
  subscription: { id: string; customer: string },
  created: number,
  object: Record<string, unknown> = {},
): Stripe.Event {
  return buildEvent({ type: `customer.subscription.${type}`, created, object: { ...subscription, ...object } });
}

const t0 = 1_780_000_000;
const newSubscription = () => ({ id: stripeId('sub'), customer: stripeId('cus') });

describe('ActivateCustomerSubscription', () => {
  it('stores an active subscription with its tier, period end and access', async () => {
    const event = buildEvent({ type: 'customer.subscription.created', created: t0 });
    const subscription = event.data.object as Stripe.Subscription;
    const result = await harness.run(activateCustomerSubscription, event);

    expect(result).toMatchObject({ outcome: 'processed', effects: { subscriptionId: subscription.id, status: 'active', tier: 'hub_pro', access: true } });
    const row = await subscriptionRow(subscription.id);
    expect(row).toMatchObject({ customer_id: subscription.customer, status: 'active', tier: 'hub_pro', access: true, livemode: false, source_event_id: event.id });
    expect(row?.current_period_end?.getTime()).toBe(subscription.items.data[0]!.current_period_end * 1000);
  });

  it('opens access while trialing and closes it when past due', async () => {
    const subscription = newSubscription();
    await harness.run(activateCustomerSubscription, subscriptionEvent('created', subscription, t0, { status: 'trialing' }));
    expect((await subscriptionRow(subscription.id))?.access).toBe(true);
    await harness.run(activateCustomerSubscription, subscriptionEvent('updated', subscription, t0 + 60, { status: 'past_due' }));
    expect(await subscriptionRow(subscription.id)).toMatchObject({ status: 'past_due', access: false });
  });

  it('takes the tier from the product when the price has no lookup key', async () => {
    const event = buildEvent({ type: 'customer.subscription.created', created: t0 });
    const subscription = event.data.object as Stripe.Subscription;
    const item = subscription.items.data[0]!;
    const product = stripeId('prod');
    (item as unknown as { price: Record<string, unknown> }).price = { ...item.price, lookup_key: null, product: { id: product, object: 'product' } };
    await harness.run(activateCustomerSubscription, event);
    expect((await subscriptionRow(subscription.id))?.tier).toBe(product);
  });

  it('reads the period end from the subscription in API versions before it moved to the items', async () => {
    const event = buildEvent({ type: 'customer.subscription.created', created: t0 });
    const subscription = event.data.object as unknown as { id: string; current_period_end?: number; items: { data: Array<Record<string, unknown>> } };
    delete subscription.items.data[0]!.current_period_end;
    subscription.current_period_end = t0 + 86_400;
    await harness.run(activateCustomerSubscription, event);
    expect((await subscriptionRow(subscription.id))?.current_period_end?.getTime()).toBe((t0 + 86_400) * 1000);
  });

  it('answers stale to an event older than the last applied, keeping the newer state', async () => {
    const subscription = newSubscription();
    const newer = subscriptionEvent('updated', subscription, t0 + 100, { status: 'past_due' });
    const older = subscriptionEvent('created', subscription, t0, { status: 'active' });
    expect((await harness.run(activateCustomerSubscription, newer)).outcome).toBe('processed');

    const result = await harness.run(activateCustomerSubscription, older);
    expect(result).toEqual({ outcome: 'stale', effects: { subscriptionId: subscription.id, newerEventId: newer.id } });
    expect(await subscriptionRow(subscription.id)).toMatchObject({ status: 'past_due', access: false, source_event_id: newer.id });
  });

  it('on a tie in the same second keeps the later stage of the subscription, whatever the arrival order', async () => {
    // created (incomplete) and updated (active, first payment) in the same second, delivered in reverse.
    const subscription = newSubscription();
    const active = subscriptionEvent('updated', subscription, t0, { status: 'active' });
    const incomplete = subscriptionEvent('created', subscription, t0, { status: 'incomplete' });
    await harness.run(activateCustomerSubscription, active);
    expect((await harness.run(activateCustomerSubscription, incomplete)).outcome).toBe('stale');
    expect(await subscriptionRow(subscription.id)).toMatchObject({ status: 'active', access: true });
  });

  it('on a tie of the same stage applies the later arrival', async () => {
    const subscription = newSubscription();
    await harness.run(activateCustomerSubscription, subscriptionEvent('updated', subscription, t0, { status: 'active' }));
    const upgrade = subscriptionEvent('updated', subscription, t0, { status: 'active' });
    const item = (upgrade.data.object as Stripe.Subscription).items.data[0]!;
    (item as unknown as { price: Record<string, unknown> }).price = { ...item.price, lookup_key: 'hub_team' };
    expect((await harness.run(activateCustomerSubscription, upgrade)).outcome).toBe('processed');
    expect((await subscriptionRow(subscription.id))?.tier).toBe('hub_team');
  });

  it('applies concurrent events for one subscription so that the newest wins', async () => {
    const subscription = newSubscription();
    const events = [0, 1, 2, 3, 4, 5].map((i) => subscriptionEvent('updated', subscription, t0 + i, { status: i === 5 ? 'canceled' : 'active' }));
    const results = await Promise.all([...events].reverse().map((event) => harness.run(activateCustomerSubscription, event)));
    expect(results.some((result) => result.outcome === 'processed')).toBe(true);
    expect(await subscriptionRow(subscription.id)).toMatchObject({ status: 'canceled', access: false, source_event_id: events[5]!.id });
  });

  it('refuses for good a subscription without a customer, naming the field', async () => {
    const event = buildEvent({ type: 'customer.subscription.updated', created: t0, object: { customer: undefined } });
    const failure = harness.run(activateCustomerSubscription, event);
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(/data\.object\.customer/);
  });

  it('refuses for good a subscription whose items lack a price, naming the path', async () => {
    const event = buildEvent({ type: 'customer.subscription.updated', created: t0, object: { items: { object: 'list', data: [{ id: 'si_1' }] } } });
    await expect(harness.run(activateCustomerSubscription, event)).rejects.toThrow(/data\.object\.items\.data\.0\.price/);
  });
});

describe('DeactivateCustomerSubscription', () => {
  it('turns access off with the status of the deleted subscription', async () => {
    const subscription = newSubscription();
    await harness.run(activateCustomerSubscription, subscriptionEvent('created', subscription, t0, { status: 'active' }));
    const deleted = subscriptionEvent('deleted', subscription, t0 + 3_600);
    const result = await harness.run(deactivateCustomerSubscription, deleted);
    expect(result).toMatchObject({ outcome: 'processed', effects: { subscriptionId: subscription.id, status: 'canceled', access: false } });
    expect(await subscriptionRow(subscription.id)).toMatchObject({ status: 'canceled', access: false, source_event_id: deleted.id });
  });

  it('is not undone by an update from before the deletion that arrives after it', async () => {
    const subscription = newSubscription();
    await harness.run(deactivateCustomerSubscription, subscriptionEvent('deleted', subscription, t0 + 10));
    expect((await harness.run(activateCustomerSubscription, subscriptionEvent('updated', subscription, t0, { status: 'active' }))).outcome).toBe('stale');
    // Same second as the deletion: canceled is the last stage, so access stays off.
    expect((await harness.run(activateCustomerSubscription, subscriptionEvent('updated', subscription, t0 + 10, { status: 'active' }))).outcome).toBe('stale');
    expect(await subscriptionRow(subscription.id)).toMatchObject({ status: 'canceled', access: false });
  });

  it('records a deletion that arrives before any other event of the subscription', async () => {
    const subscription = newSubscription();
    await harness.run(deactivateCustomerSubscription, subscriptionEvent('deleted', subscription, t0));
    expect(await subscriptionRow(subscription.id)).toMatchObject({ customer_id: subscription.customer, access: false });
  });
});

import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '@pipeline/core';
import { buildEvent, stripeId } from '@pipeline/stripe-events';
import { recordPaymentFailure } from '../../src/commands/record-payment-failure.ts';
import { activateCustomerSubscription } from '../../src/commands/activate-customer-subscription.ts';
import { createCommandHarness, type CommandHarness } from './harness.ts';

let harness: CommandHarness;
beforeAll(async () => {
  harness = await createCommandHarness();
});
afterAll(async () => {
  await harness.close();
});

const t0 = 1_780_000_000;

describe('RecordPaymentFailure', () => {
  it('records the failed attempt with its amount, customer, subscription and next attempt', async () => {
    const subscription = stripeId('sub');
    const event = buildEvent({
      type: 'invoice.payment_failed',
      created: t0,
      object: {
        attempt_count: 2,
        next_payment_attempt: t0 + 86_400,
        parent: { type: 'subscription_details', subscription_details: { metadata: {}, subscription } },
      },
    });
    const invoice = event.data.object as Stripe.Invoice;
    const result = await harness.run(recordPaymentFailure, event);

    expect(result).toEqual({
      outcome: 'processed',
      effects: { invoiceId: invoice.id, attempt: 2, customerId: invoice.customer, subscriptionId: subscription, amountDue: 10_000, currency: 'usd', recorded: true },
    });
    const rows = await harness.query('SELECT * FROM payment_failures WHERE invoice_id = $1', [invoice.id]);
    expect(rows).toEqual([
      {
        invoice_id: invoice.id,
        attempt_count: 2,
        customer_id: invoice.customer,
        subscription_id: subscription,
        amount_due: '10000',
        currency: 'usd',
        next_payment_attempt: new Date((t0 + 86_400) * 1000),
        failed_at: new Date(t0 * 1000),
      },
    ]);
  });

  it('reads the subscription from the top level in older API versions', async () => {
    const subscription = stripeId('sub');
    const event = buildEvent({ type: 'invoice.payment_failed', created: t0, object: { subscription, parent: null } });
    await harness.run(recordPaymentFailure, event);
    const rows = await harness.query<{ subscription_id: string }>('SELECT subscription_id FROM payment_failures WHERE invoice_id = $1', [(event.data.object as Stripe.Invoice).id]);
    expect(rows[0]?.subscription_id).toBe(subscription);
  });

  it('keeps one row per attempt: another event for the same attempt changes nothing', async () => {
    const first = buildEvent({ type: 'invoice.payment_failed', created: t0, object: { attempt_count: 1 } });
    const invoice = first.data.object as Stripe.Invoice;
    const again = buildEvent({ type: 'invoice.payment_failed', created: t0 + 5, object: { id: invoice.id, customer: invoice.customer, attempt_count: 1 } });
    const next = buildEvent({ type: 'invoice.payment_failed', created: t0 + 86_400, object: { id: invoice.id, customer: invoice.customer, attempt_count: 2 } });
    await harness.run(recordPaymentFailure, first);
    expect((await harness.run(recordPaymentFailure, again)).effects).toMatchObject({ recorded: false });
    await harness.run(recordPaymentFailure, next);
    const rows = await harness.query<{ attempt_count: number; failed_at: Date }>('SELECT attempt_count, failed_at FROM payment_failures WHERE invoice_id = $1 ORDER BY attempt_count', [invoice.id]);
    expect(rows).toEqual([
      { attempt_count: 1, failed_at: new Date(t0 * 1000) },
      { attempt_count: 2, failed_at: new Date((t0 + 86_400) * 1000) },
    ]);
  });

  it('leaves the subscription access alone', async () => {
    const created = buildEvent({ type: 'customer.subscription.created', created: t0 });
    const subscription = created.data.object as Stripe.Subscription;
    await harness.run(activateCustomerSubscription, created);
    await harness.run(recordPaymentFailure, buildEvent({ type: 'invoice.payment_failed', created: t0 + 10, object: { customer: subscription.customer, subscription: subscription.id } }));
    const rows = await harness.query<{ access: boolean }>('SELECT access FROM subscriptions WHERE id = $1', [subscription.id]);
    expect(rows[0]?.access).toBe(true);
  });

  it('refuses for good an invoice without an attempt count, naming the field', async () => {
    const event = buildEvent({ type: 'invoice.payment_failed', created: t0, object: { attempt_count: 'two' } });
    const failure = harness.run(recordPaymentFailure, event);
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(/data\.object\.attempt_count/);
  });
});

import { describe, expect, it } from 'vitest';
import { buildEvent, knownEventTypes } from './build-event.ts';

/** Every string in `value`, with its path. */
function strings(value: unknown, path = 'data.object'): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => strings(item, `${path}.${key}`));
  return [];
}

describe('buildEvent objects (issue 15: realistic objects)', () => {
  it("gives an invoice its subscription's and customer's ids", () => {
    const event = buildEvent({ type: 'invoice.paid', customer: 'cus_Demo1', subscription: 'sub_Demo1' });
    const invoice = event.data.object as unknown as { customer: string; parent: { type: string; subscription_details: { subscription: string } } };
    expect(invoice.customer).toBe('cus_Demo1');
    expect(invoice.parent).toMatchObject({ type: 'subscription_details', subscription_details: { subscription: 'sub_Demo1' } });
  });

  it('gives a subscription, its items and the customer.* object the same ids', () => {
    const subscription = buildEvent({ type: 'customer.subscription.created', customer: 'cus_Demo2', subscription: 'sub_Demo2' }).data.object as unknown as {
      id: string;
      customer: string;
      items: { data: Array<{ subscription: string }> };
    };
    expect(subscription).toMatchObject({ id: 'sub_Demo2', customer: 'cus_Demo2' });
    expect(subscription.items.data.map((item) => item.subscription)).toEqual(['sub_Demo2']);
    expect((buildEvent({ type: 'customer.created', customer: 'cus_Demo2' }).data.object as { id: string }).id).toBe('cus_Demo2');
  });

  it.each(knownEventTypes)('%s carries no placeholder id such as "subscription" where an id belongs', (type) => {
    const placeholders = strings(buildEvent({ type, account: 'acct_1DemoAccount0' }).data.object).filter(
      ([path, value]) => /^(subscription|invoice|customer|quote|subscription_item|invoice_line_items|price|product|charge|payment_intent)$/.test(value) && !path.endsWith('.object') && !path.endsWith('.type'),
    );
    expect(placeholders).toEqual([]);
  });
});

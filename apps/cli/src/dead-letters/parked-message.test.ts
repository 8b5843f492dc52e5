import { describe, expect, it } from 'vitest';
import { describeParkedMessage, parkedMessageJson } from './parked-message.ts';
import { parkedMessageTable } from './parked-table.ts';

const parkedByWorker = {
  messageId: 'evt_1',
  type: 'invoice.paid',
  timestamp: 1_777_000_000,
  headers: {
    endpoint: 'connect',
    account: 'acct_1Host',
    livemode: false,
    'x-routing-key': 'connect.invoice.paid',
    'x-attempts': 7,
    'x-last-error': 'Stripe answered 500',
    'x-last-error-code': 'TRANSIENT',
    'x-parked-at': '2026-05-01T10:00:00.000Z',
  },
};

/** As RabbitMQ leaves a message its delivery limit parked (captured from RabbitMQ 3.10). */
const parkedByBroker = {
  messageId: 'evt_2',
  type: undefined,
  timestamp: undefined,
  headers: {
    endpoint: 'platform',
    'x-routing-key': 'platform.customer.subscription.updated',
    'x-death': [{ count: 1, reason: 'delivery_limit', queue: 't1.stripe.events.work', time: { '!': 'timestamp', value: 1_777_000_000 }, exchange: 't1.stripe.events', 'routing-keys': ['platform.customer.subscription.updated'] }],
    'x-delivery-count': 0,
    'x-first-death-reason': 'delivery_limit',
  },
};

describe('describeParkedMessage', () => {
  it("reads the worker's failure headers", () => {
    expect(describeParkedMessage(parkedByWorker)).toEqual({
      id: 'evt_1',
      type: 'invoice.paid',
      endpoint: 'connect',
      account: 'acct_1Host',
      livemode: false,
      routingKey: 'connect.invoice.paid',
      attempts: 7,
      error: 'Stripe answered 500',
      errorCode: 'TRANSIENT',
      parkedAt: new Date('2026-05-01T10:00:00.000Z'),
      parkedBy: 'worker',
    });
  });

  it("shows the broker's reason for a message its delivery limit parked", () => {
    const parked = describeParkedMessage(parkedByBroker);
    expect(parked).toMatchObject({
      id: 'evt_2',
      type: 'customer.subscription.updated',
      attempts: undefined,
      errorCode: 'delivery_limit',
      parkedAt: new Date(1_777_000_000_000),
      parkedBy: 'broker',
    });
    expect(parked.error).toBe('parked by the broker: delivery_limit in t1.stripe.events.work');
  });

  it('gives one table row per message and JSON with ISO times', () => {
    const lines = parkedMessageTable([describeParkedMessage(parkedByWorker), describeParkedMessage(parkedByBroker)]);
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+ACCOUNT\s+ATTEMPTS\s+PARKED AT\s+ERROR$/);
    expect(lines[1]).toMatch(/^evt_1\s+invoice\.paid\s+acct_1Host\s+7\s+2026-05-01T10:00:00Z\s+TRANSIENT: Stripe answered 500$/);
    expect(lines[2]).toMatch(/^evt_2\s+customer\.subscription\.updated\s+-\s+-\s+\S+\s+parked by the broker: delivery_limit/);
    expect(parkedMessageJson(describeParkedMessage(parkedByWorker))).toMatchObject({ parkedAt: '2026-05-01T10:00:00.000Z' });
  });
});

import { describe, expect, it } from 'vitest';
import { brokerManagedHeaders, withoutBrokerManagedHeaders } from './message.ts';

describe('withoutBrokerManagedHeaders', () => {
  it('drops every header the broker writes when it dead-letters, first and last deaths alike', () => {
    const copied = withoutBrokerManagedHeaders({
      'x-death': [{ reason: 'delivery_limit' }],
      'x-first-death-reason': 'delivery_limit',
      'x-last-death-reason': 'delivery_limit',
      'x-last-death-queue': 't1.stripe.events.work',
      'x-last-death-exchange': 't1.stripe.events',
      'x-delivery-count': 3,
      endpoint: 'platform',
    });
    expect(copied).toEqual({ endpoint: 'platform' });
  });

  it('lists the x-last-death-* headers newer RabbitMQ versions write next to x-death', () => {
    expect(brokerManagedHeaders).toEqual(expect.arrayContaining(['x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason']));
  });
});

import type { ConsumeMessage, Options } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { topologyNames } from '@pipeline/broker';
import { createLogger } from '@pipeline/core';
import type { Delivery } from './consumer.ts';
import { makeHandleDelivery } from './handle-delivery.ts';
import { createWorkerMetrics } from './metrics.ts';

/** A message the broker dead-lettered once already (newer versions write x-last-death-* too), with a body that is no Stripe event. */
function deadLetteredMessage(): ConsumeMessage {
  return {
    content: Buffer.from('not json'),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'e', routingKey: 'platform.invoice.paid', consumerTag: 'c' },
    properties: {
      messageId: 'evt_dead_lettered',
      contentType: 'application/json',
      headers: {
        endpoint: 'platform',
        'x-death': [{ count: 1, reason: 'delivery_limit' }],
        'x-first-death-reason': 'delivery_limit',
        'x-last-death-reason': 'delivery_limit',
        'x-last-death-queue': 't.stripe.events.work',
        'x-last-death-exchange': 't.stripe.events',
        'x-delivery-count': 4,
      },
    },
  } as unknown as ConsumeMessage;
}

describe('makeHandleDelivery', () => {
  it("publishes a parked copy without any of the broker's own headers, x-last-death-* included", async () => {
    const forwarded: Array<Options.Publish & { messageId: string }> = [];
    const delivery: Delivery = {
      message: deadLetteredMessage(),
      ack: () => undefined,
      requeue: () => undefined,
      forward: (_target, options) => {
        forwarded.push(options);
        return Promise.resolve();
      },
    };
    const handle = makeHandleDelivery({
      processEvent: () => Promise.reject(new Error('not called for a malformed body')),
      recordFailure: () => Promise.resolve(),
      // The database cannot take it: the copy goes to the dead queue through forward().
      parkEvent: () => Promise.reject(new Error('database down')),
      names: topologyNames('t.'),
      retryDelaysMs: [],
      metrics: createWorkerMetrics({ ready: () => true, inFlight: () => 0, databaseUp: () => false }),
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
    await handle(delivery);
    expect(forwarded).toHaveLength(1);
    const headers = (forwarded[0]?.headers ?? {}) as Record<string, unknown>;
    const names = Object.keys(headers);
    expect(names).toContain('endpoint');
    expect(names.filter((name) => name.startsWith('x-death') || name.includes('-death-') || name === 'x-delivery-count')).toEqual([]);
  });
});

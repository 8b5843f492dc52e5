import { DELIVERY_LIMIT, eventMessageProperties, headers, routingKeyOf, type Endpoint } from '@pipeline/broker';
import { serializeEvent } from '@pipeline/stripe-events';
import type { TestBroker } from '@pipeline/testkit';
import type Stripe from 'stripe';

export interface ParkOptions {
  readonly error?: string;
  readonly errorCode?: string;
  readonly attempts?: number;
  readonly parkedAt?: Date;
}

function envelopeOf(event: Stripe.Event) {
  const endpoint: Endpoint = event.account ? 'connect' : 'platform';
  return { id: event.id, type: event.type, endpoint, account: event.account ?? undefined, livemode: event.livemode };
}

/** Parks an event in the dead queue exactly as the worker does after its last attempt. */
export async function parkAsWorker(broker: TestBroker, event: Stripe.Event, options: ParkOptions = {}): Promise<void> {
  const properties = eventMessageProperties(envelopeOf(event));
  const channel = await broker.connection.createConfirmChannel();
  try {
    channel.publish(broker.names.deadExchange, '', Buffer.from(serializeEvent(event)), {
      ...properties,
      headers: {
        ...properties.headers,
        [headers.attempts]: options.attempts ?? 7,
        [headers.lastError]: options.error ?? 'Stripe answered 500',
        [headers.lastErrorCode]: options.errorCode ?? 'TRANSIENT',
        [headers.parkedAt]: (options.parkedAt ?? new Date()).toISOString(),
      },
    });
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
}

/**
 * Parks an event the way the broker's delivery limit does: published like the ingest,
 * then taken and requeued until the work queue dead-letters it with an `x-death` header.
 */
export async function parkByDeliveryLimit(broker: TestBroker, event: Stripe.Event): Promise<void> {
  const envelope = envelopeOf(event);
  const channel = await broker.connection.createConfirmChannel();
  try {
    channel.publish(broker.names.exchange, routingKeyOf(envelope), Buffer.from(serializeEvent(event)), eventMessageProperties(envelope));
    await channel.waitForConfirms();
    for (let delivery = 0; delivery <= DELIVERY_LIMIT; delivery += 1) {
      let message = await channel.get(broker.names.workQueue, { noAck: false });
      for (let tries = 0; message === false && tries < 100; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        message = await channel.get(broker.names.workQueue, { noAck: false });
      }
      if (message === false) throw new Error('the message never came back to the work queue');
      channel.nack(message, false, true);
    }
  } finally {
    await channel.close();
  }
}

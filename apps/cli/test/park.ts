import { eventMessageProperties, headers, type Endpoint } from '@pipeline/broker';
import { insertParkedEvent, type Pool } from '@pipeline/db';
import { serializeEvent } from '@pipeline/stripe-events';
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

/** What every parked row says of its event, however it was parked: the ids and the exact body. */
function eventColumnsOf(event: Stripe.Event) {
  const envelope = envelopeOf(event);
  return {
    eventId: event.id,
    type: event.type,
    endpoint: envelope.endpoint,
    account: envelope.account,
    livemode: event.livemode,
    body: Buffer.from(serializeEvent(event)),
  };
}

/** Parks an event in parked_events exactly as the worker does after its last attempt. */
export async function parkAsWorker(pool: Pool, event: Stripe.Event, options: ParkOptions = {}): Promise<void> {
  const properties = eventMessageProperties(envelopeOf(event));
  const parkedAt = options.parkedAt ?? new Date();
  const errorCode = options.errorCode ?? 'TRANSIENT';
  const failure = {
    [headers.attempts]: options.attempts ?? 7,
    [headers.lastError]: options.error ?? 'Stripe answered 500',
    [headers.lastErrorCode]: errorCode,
    [headers.parkedAt]: parkedAt.toISOString(),
    [headers.parkReason]: errorCode === 'PERMANENT' ? 'permanent' : 'exhausted',
  };
  await insertParkedEvent(pool, {
    ...eventColumnsOf(event),
    properties: { messageId: event.id, type: event.type, timestamp: properties.timestamp, contentType: properties.contentType, headers: { ...properties.headers, ...failure } },
    lastError: options.error ?? 'Stripe answered 500',
    errorCode,
    attempts: options.attempts ?? 7,
    reason: errorCode === 'PERMANENT' ? 'permanent' : 'exhausted',
    parkedAt,
  });
}

/**
 * Parks an event the way the worker's drainer records what the broker's delivery limit
 * parked: the ingest's properties plus the broker's `x-death` (shape captured from 3.10).
 */
export async function parkByDeliveryLimit(pool: Pool, event: Stripe.Event, workQueue: string): Promise<void> {
  const properties = eventMessageProperties(envelopeOf(event));
  const parkedAt = new Date();
  const death = { count: 1, reason: 'delivery_limit', queue: workQueue, time: { '!': 'timestamp', value: Math.floor(parkedAt.getTime() / 1000) } };
  await insertParkedEvent(pool, {
    ...eventColumnsOf(event),
    properties: { messageId: event.id, type: event.type, headers: { ...properties.headers, 'x-death': [death], 'x-first-death-reason': 'delivery_limit', 'x-delivery-count': 0 } },
    lastError: `parked by the broker: delivery_limit in ${workQueue}`,
    errorCode: 'delivery_limit',
    attempts: undefined,
    reason: 'delivery-limit',
    parkedAt,
  });
}

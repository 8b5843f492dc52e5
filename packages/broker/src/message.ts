/** The endpoints Stripe delivers to: the platform's own account, and its connected accounts. */
export type Endpoint = 'platform' | 'connect';

/** Header names carried by every event message. */
export const headers = {
  endpoint: 'endpoint',
  account: 'account',
  livemode: 'livemode',
  /** Failed attempts so far (set by the worker when it schedules a retry or parks). */
  attempts: 'x-attempts',
  /** The last attempt's error message. */
  lastError: 'x-last-error',
  /** The last error's class code (PERMANENT, TRANSIENT, ...). */
  lastErrorCode: 'x-last-error-code',
  /** When the message was parked, ISO 8601. */
  parkedAt: 'x-parked-at',
  /** Why the worker parked it: `permanent`, `exhausted` or `malformed`. */
  parkReason: 'x-park-reason',
  /** The routing key the ingest published with, kept across retries and parking. */
  routingKey: 'x-routing-key',
} as const;

/**
 * Headers the broker writes itself when it dead-letters or redelivers a message. A copy we
 * publish (a retry, a parked message, a replay) starts without them: a stale `x-death` could
 * make the broker's dead-letter cycle detection drop the copy, and the delivery count belongs
 * to the queue the original lived in, not to the copy's new life.
 */
export const brokerManagedHeaders: readonly string[] = [
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-delivery-count',
];

/** The headers of a message without the {@link brokerManagedHeaders}, for a copy to publish. */
export function withoutBrokerManagedHeaders(original: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const kept: Record<string, unknown> = { ...(original ?? {}) };
  for (const name of brokerManagedHeaders) Reflect.deleteProperty(kept, name);
  return kept;
}

/** What the ingest knows about a verified event, enough to publish it. */
export interface EventEnvelope {
  readonly id: string;
  readonly type: string;
  readonly endpoint: Endpoint;
  readonly account: string | undefined;
  readonly livemode: boolean;
}

/** `<endpoint>.<event type>`, e.g. `connect.account.updated`. */
export function routingKeyOf(event: Pick<EventEnvelope, 'endpoint' | 'type'>): string {
  return `${event.endpoint}.${event.type}`;
}

/** The AMQP properties of an event message, as PRODUCT.md specifies them. */
export function eventMessageProperties(event: EventEnvelope, now = Date.now()) {
  return {
    persistent: true,
    mandatory: true,
    messageId: event.id,
    type: event.type,
    timestamp: Math.floor(now / 1000),
    contentType: 'application/json',
    headers: {
      [headers.endpoint]: event.endpoint,
      [headers.livemode]: event.livemode,
      [headers.routingKey]: routingKeyOf(event),
      ...(event.account === undefined ? {} : { [headers.account]: event.account }),
    },
  };
}

/**
 * The message contract: what a message on the pipeline's exchange is, shared by everything
 * that produces or reads one (the ingest publishes it, the worker consumes it, the CLI
 * publishes and replays it, the database records its endpoint). Endpoint, the Stripe event
 * envelope the pipeline relies on, header names, the broker's own headers, routing key and
 * message properties live here and nowhere else. Fixture builders (packages/stripe-events)
 * are not part of it: what ships imports this module and never loads them.
 */
import { z } from 'zod';

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
  /** W3C trace context of the webhook request that published it, when tracing is on. */
  traceparent: 'traceparent',
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

/**
 * The fields of a Stripe event envelope the pipeline relies on; everything else passes
 * through untouched. Shared by the ingest (before publishing) and the worker (before running
 * a command), so both sides agree on what "a Stripe event" is.
 */
export const stripeEventEnvelope = z.object({
  id: z.string().regex(/^evt_\w{1,250}$/, 'id must look like evt_...'),
  object: z.literal('event'),
  type: z.string().max(200).regex(/^[a-z0-9_]+(\.[a-z0-9_]+){1,6}$/, 'type must look like invoice.paid'),
  created: z.number().int().nonnegative(),
  livemode: z.boolean(),
  account: z.string().regex(/^acct_\w{1,250}$/, 'account must look like acct_...').nullish(),
  // An object, checked without walking it: the commands validate what they read of it,
  // and copying a whole Stripe object on every request is the ingest's hottest cost.
  data: z.object({
    object: z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'must be an object' }),
  }),
});

export type StripeEventEnvelope = z.output<typeof stripeEventEnvelope>;

/** The first problem zod found, as `path: message`, for a one-line reason. */
export function describeEnvelopeProblem(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return 'invalid';
  const where = first.path.join('.');
  return where === '' ? first.message : `${where}: ${first.message}`;
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

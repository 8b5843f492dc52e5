import Stripe from 'stripe';

/**
 * The `Stripe-Signature` header Stripe would send for `payload`, made with the stripe
 * package's own test helper. `timestamp` is Unix seconds, default now.
 */
export function signPayload(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp === undefined ? {} : { timestamp }),
  });
}

/** Serialises an event the way Stripe does on the wire (pretty-printed JSON). */
export function serializeEvent(event: unknown): string {
  return JSON.stringify(event, null, 2);
}

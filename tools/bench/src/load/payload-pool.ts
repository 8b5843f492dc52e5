import { buildEvent, serializeEvent, signPayload } from '@pipeline/stripe-events';

/** One webhook delivery as Stripe sends it: the exact body and its `Stripe-Signature`. */
export interface SignedDelivery {
  readonly body: string;
  readonly signature: string;
}

/** The event type every scenario sends: its command (a subscription upsert) needs no Stripe call. */
export const benchEventType = 'customer.subscription.created';

/** A fresh event of Stripe's shape, from Stripe's sample subscription, serialised as Stripe does. */
export function makeEventBody(type = benchEventType): { id: string; body: string } {
  const event = buildEvent({ type });
  return { id: event.id, body: serializeEvent(event) };
}

export interface PayloadPool {
  /** The next delivery, round robin; its signature is never older than `resignAfterS`. */
  next(): SignedDelivery;
  /** Size of one body in bytes (they all come from the same sample object). */
  readonly bodyBytes: number;
}

export interface PayloadPoolOptions {
  readonly secret: string;
  /** Distinct events in the pool; default 1000. */
  readonly size?: number;
  /**
   * Seconds after which a delivery is signed again with the current time; default 60, well
   * inside Stripe's 300 s tolerance, so a long run never sends a stale signature.
   */
  readonly resignAfterS?: number;
}

/**
 * Distinct events built in advance, so the load generator spends its time sending, not
 * serialising. They repeat: the ingest does not deduplicate, the worker (which does) is not
 * behind the HTTP runs.
 */
export function createPayloadPool(options: PayloadPoolOptions): PayloadPool {
  const size = options.size ?? 1_000;
  const resignAfterS = options.resignAfterS ?? 60;
  const entries = Array.from({ length: size }, () => {
    const { body } = makeEventBody();
    return { body, signature: '', signedAtS: -Infinity };
  });
  let index = 0;
  return {
    next() {
      const entry = entries[index];
      index = (index + 1) % size;
      if (entry === undefined) throw new Error('empty payload pool');
      const nowS = Math.floor(Date.now() / 1000);
      if (nowS - entry.signedAtS > resignAfterS) {
        entry.signature = signPayload(entry.body, options.secret, nowS);
        entry.signedAtS = nowS;
      }
      return entry;
    },
    bodyBytes: Buffer.byteLength(entries[0]?.body ?? ''),
  };
}

import Stripe from 'stripe';

export interface StripeClientOptions {
  /** A secret or restricted key (`sk_...`, `rk_...`). */
  readonly apiKey: string;
  /** Base URL of Stripe's API; a local emulator in tests and the local stack. Default Stripe's own. */
  readonly apiBase?: string;
  /** Per-request timeout in ms; default 10000. */
  readonly timeoutMs?: number;
  /**
   * Retries the SDK makes itself on network errors, 409s and 5xx, with the same
   * idempotency key; default 1. The pipeline's own retries take over after that.
   */
  readonly maxNetworkRetries?: number;
}

/** The official SDK pointed at `apiBase`, so tests and the local stack reach the emulator at its URL. */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = new URL(options.apiBase ?? 'https://api.stripe.com');
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(options.apiKey, {
    host: base.hostname,
    port: base.port === '' ? (protocol === 'http' ? 80 : 443) : Number(base.port),
    protocol,
    timeout: options.timeoutMs ?? 10_000,
    maxNetworkRetries: options.maxNetworkRetries ?? 1,
    telemetry: false,
    appInfo: { name: 'stripe-webhook-pipeline' },
  });
}

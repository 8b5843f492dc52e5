import type { z } from 'zod';

/** True for a live-mode Stripe key (`sk_live_`/`rk_live_`), false for a test-mode one. */
export function isLiveStripeKey(key: string): boolean {
  return /^(sk|rk)_live_/.test(key);
}

/**
 * A zod refinement for any config that holds STRIPE_SECRET_KEY and STRIPE_API_BASE: a live
 * key is refused with a non-https base. A live key sent in clear text is a leaked key, and
 * this also keeps it off the local emulator, which is served over http.
 */
export function refuseLiveKeyOverHttp(config: { STRIPE_SECRET_KEY?: unknown; STRIPE_API_BASE?: unknown }, ctx: z.RefinementCtx): void {
  const { STRIPE_SECRET_KEY: key, STRIPE_API_BASE: base } = config;
  if (typeof key !== 'string' || typeof base !== 'string' || !isLiveStripeKey(key)) return;
  if (new URL(base).protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', path: ['STRIPE_API_BASE'], message: 'must be an https URL when STRIPE_SECRET_KEY is a live-mode key' });
  }
}

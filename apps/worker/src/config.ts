import { z } from 'zod';
import { databaseConfig, durationList, isLiveStripeKey, parseEnv, port, positiveInt, refuseLiveKeyOverHttp, sharedConfig, urlWithScheme, type Env } from '@pipeline/core';

const fields = z.object({
  ...sharedConfig,
  ...databaseConfig,
  STRIPE_SECRET_KEY: z
    .string({ message: 'is required' })
    .regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_... or rk_...)'),
  /**
   * Optional cross-check of the key's mode, `live` or `test`: a worker holds one key, so its
   * mode is the key's and `both` means nothing here (the ingest's `both` is another setting).
   */
  STRIPE_LIVEMODE: z.enum(['live', 'test'], { message: 'must be live or test for a worker (its mode is its key\'s)' }).optional(),
  /** Stripe's API by default; a local emulator in tests and the local stack (never with a live key: see below). */
  STRIPE_API_BASE: urlWithScheme('http', 'https').default('https://api.stripe.com'),
  /** Per-request timeout for Stripe API calls. */
  STRIPE_API_TIMEOUT_MS: positiveInt.default(10_000),
  /** Retries the Stripe SDK makes itself (same idempotency key) before the pipeline's own retries take over. */
  STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0, 'must be 0 or more').max(5, 'must be 5 or less').default(1),
  PLATFORM_FEE_PERCENT: z.coerce
    .number({ message: 'must be a number' })
    .min(0, 'must be between 0 and 100')
    .max(100, 'must be between 0 and 100')
    .default(20),
  /**
   * Messages a worker holds unacknowledged at once; each runs in its own transaction and
   * connection. The default was chosen by measurement: docs/benchmarks.md#choosing-worker_prefetch.
   */
  WORKER_PREFETCH: positiveInt.default(16),
  /**
   * Delays before each retry of a failing command; one more attempt than delays. After
   * the last attempt the message is parked in the dead-letter queue.
   */
  WORKER_RETRY_DELAYS: durationList.default([5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000]),
  /** Pause between rounds of the release sweep, which retries held transfers whose retry is due. */
  TRANSFER_SWEEP_INTERVAL_MS: positiveInt.default(30_000),
  /**
   * Waits between retries of a transfer Stripe refused for `balance_insufficient` (after the
   * first retry at the sweep's next round; the last repeats). Card funds become available in
   * about two days, more in some countries.
   */
  TRANSFER_FUNDS_RETRY_DELAYS: durationList.default([3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 24 * 3_600_000]),
  /** Waits between retries of a held transfer whose release failed otherwise (a 5xx, a timeout; the last repeats). */
  TRANSFER_RELEASE_RETRY_DELAYS: durationList.default([60_000, 300_000, 1_800_000, 3_600_000]),
  /** How long SIGTERM waits for in-flight messages to finish before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(30_000),
  /** Port of the worker's /healthz, /readyz and /metrics (0: any free port). */
  METRICS_PORT: port.default(9464),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** Time between the pings that readiness reads; a ping slower than this counts as down. */
  WORKER_DATABASE_CHECK_INTERVAL_MS: positiveInt.default(5_000),
}).superRefine((config, ctx) => {
  // A command's transaction stays open across its Stripe calls: a session bound shorter than
  // one call with the SDK's retries would end a healthy transaction mid-command.
  const stripeCallMs = longestStripeCallMs(config.STRIPE_API_TIMEOUT_MS, config.STRIPE_MAX_NETWORK_RETRIES);
  if (config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS <= stripeCallMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'],
      message: `must be longer than one Stripe call with its retries (${stripeCallMs} ms from STRIPE_API_TIMEOUT_MS and STRIPE_MAX_NETWORK_RETRIES)`,
    });
  }
});

const schema = fields
  .superRefine((config, ctx) => {
    const live = isLiveStripeKey(config.STRIPE_SECRET_KEY);
    if (config.STRIPE_LIVEMODE !== undefined && (config.STRIPE_LIVEMODE === 'live') !== live) {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_LIVEMODE'],
        message: `is ${config.STRIPE_LIVEMODE} but STRIPE_SECRET_KEY is a ${live ? 'live' : 'test'}-mode key`,
      });
    }
    // Also keeps a live key off the compose file's default STRIPE_API_BASE, the emulator.
    refuseLiveKeyOverHttp(config, ctx);
  })
  .transform((config) => ({
    ...config,
    /** The worker's Stripe mode, its key's: events of the other mode are recorded `ignored`. */
    livemode: isLiveStripeKey(config.STRIPE_SECRET_KEY),
  }));

/** The SDK's longest wait between its own retries (stripe-node caps its backoff at 5 s). */
const stripeMaxRetryDelayMs = 5_000;

/** How long one Stripe call can take at most: every try times out, with the longest backoff between tries. */
export function longestStripeCallMs(timeoutMs: number, maxNetworkRetries: number): number {
  return timeoutMs * (1 + maxNetworkRetries) + stripeMaxRetryDelayMs * maxNetworkRetries;
}

export type WorkerConfig = z.output<typeof schema>;

/** Reads and validates the worker's configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): WorkerConfig {
  return parseEnv(schema, env);
}

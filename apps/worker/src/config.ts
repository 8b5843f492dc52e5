import { z } from 'zod';
import { databaseConfig, durationList, parseEnv, port, positiveInt, sharedConfig, urlWithScheme, type Env } from '@pipeline/core';

const schema = z.object({
  ...sharedConfig,
  ...databaseConfig,
  STRIPE_SECRET_KEY: z
    .string({ message: 'is required' })
    .regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_... or rk_...)'),
  /** Stripe's API by default; a local emulator in tests and the local stack. */
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
   * connection. 16 was measured (docs/benchmarks.md): ~90% of the best rate at half the connections.
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
});

export type WorkerConfig = z.output<typeof schema>;

/** Reads and validates the worker's configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): WorkerConfig {
  return parseEnv(schema, env);
}

import { z } from 'zod';
import { databaseConfig, logLevel, parseEnv, refuseLiveKeyOverHttp, secretList, sharedConfig, urlWithScheme, type Env } from '@pipeline/core';

/**
 * The variables each command may need, grouped. A command asks only for the groups it
 * uses, so `trigger` never complains about DATABASE_URL and `migrate` never about secrets.
 */
export const brokerSettings = {
  RABBITMQ_URL: sharedConfig.RABBITMQ_URL,
  TOPOLOGY_PREFIX: sharedConfig.TOPOLOGY_PREFIX,
  /**
   * The broker library's JSON logs, on stdout beside the CLI's own output; default
   * `silent`, since the CLI reports every failure itself in one line.
   */
  LOG_LEVEL: logLevel.default('silent'),
};

export const databaseSettings = { ...databaseConfig };

export const ingestSettings = {
  /** Where `trigger` posts events; default a local ingest on its default port. */
  INGEST_URL: urlWithScheme('http', 'https').default('http://127.0.0.1:3000'),
};

export const platformSecretSettings = { STRIPE_WEBHOOK_SECRET_PLATFORM: secretList };
export const connectSecretSettings = { STRIPE_WEBHOOK_SECRET_CONNECT: secretList };

export const stripeApiSettings = {
  STRIPE_SECRET_KEY: z
    .string({ message: 'is required' })
    .regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_... or rk_...)'),
  /** Stripe's API by default; the local emulator in tests and the local stack (never with a live key). */
  STRIPE_API_BASE: urlWithScheme('http', 'https').default('https://api.stripe.com'),
};

/** `trigger --undelivered`: the local emulator's URL, never defaulted to Stripe's. */
export const stripeApiBaseSettings = { STRIPE_API_BASE: urlWithScheme('http', 'https').optional() };

/**
 * Reads the variables of `settings` (one or more groups above spread together) and
 * throws a ConfigError naming each bad or missing one, never its value.
 */
export function loadConfig<S extends z.ZodRawShape>(settings: S, env: Env): z.output<z.ZodObject<S>> {
  // Only bites when the settings hold both STRIPE_SECRET_KEY and STRIPE_API_BASE.
  return parseEnv(z.object(settings).superRefine(refuseLiveKeyOverHttp), env);
}

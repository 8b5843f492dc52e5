import { isIP } from 'node:net';
import { z } from 'zod';
import { livemodePolicy, parseEnv, port, positiveInt, secretList, sharedConfig, type Env } from '@pipeline/core';

const schema = z.object({
  ...sharedConfig,
  STRIPE_WEBHOOK_SECRET_PLATFORM: secretList,
  STRIPE_WEBHOOK_SECRET_CONNECT: secretList,
  STRIPE_WEBHOOK_TOLERANCE_S: positiveInt.default(300),
  STRIPE_LIVEMODE: livemodePolicy.default('both'),
  /** 0 lets the system pick a free port (tests); the `listening` log line says which. */
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Largest accepted webhook body. Stripe's events are far below 1 MiB. */
  BODY_LIMIT_BYTES: positiveInt.default(1_048_576),
  /** How long a publish may wait for the broker's confirm before the answer is 503. */
  PUBLISH_TIMEOUT_MS: positiveInt.default(5_000),
  /** Whole-request budget, so a slow client cannot hold a connection open. */
  REQUEST_TIMEOUT_MS: positiveInt.default(10_000),
  /** How long a client may take to send its headers (a slow-loris is cut); at most REQUEST_TIMEOUT_MS. */
  HEADERS_TIMEOUT_MS: positiveInt.default(5_000),
  /**
   * Open connections beyond which a webhook is answered 503 with `Retry-After` and the
   * connection closed; beyond twice as many, new connections are dropped unanswered. Each
   * open connection costs about 5 KiB of memory (docs/operations.md).
   */
  MAX_CONNECTIONS: positiveInt.default(4_096),
  /**
   * Body bytes that may be in flight before their signature is checked, counted by each
   * request's declared length; beyond it a webhook is answered 503 with `Retry-After`.
   */
  MAX_UNVERIFIED_BODY_BYTES: positiveInt.default(16 * 1_048_576),
  /** The listener of `GET /metrics`, kept off the public webhook port. 0: any free port. */
  METRICS_PORT: port.default(9463),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Seconds Stripe is told to wait in `Retry-After` on a 503. */
  RETRY_AFTER_S: positiveInt.default(5),
  /** Trust X-Forwarded-For from this many proxy hops (0: use the socket address). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0, 'must be 0 or more').default(0),
  /**
   * Comma-separated client addresses allowed to post webhooks (e.g. Stripe's published
   * webhook IPs). Empty: any address; the signature is what proves the sender.
   */
  WEBHOOK_IP_ALLOWLIST: z
    .string()
    .transform((value) => value.split(',').map((ip) => ip.trim()).filter((ip) => ip.length > 0))
    .refine((entries) => entries.every(isAddressOrSubnet), {
      message: 'must be a comma-separated list of IP addresses or CIDR subnets, e.g. 3.18.12.63,10.0.0.0/8',
    })
    .default([]),
});

// A body of the largest size must be able to get in, with room to spare for small ones.
const checkedSchema = schema.refine((config) => config.MAX_UNVERIFIED_BODY_BYTES >= 2 * config.BODY_LIMIT_BYTES, {
  message: 'must be at least twice BODY_LIMIT_BYTES',
  path: ['MAX_UNVERIFIED_BODY_BYTES'],
});

/** `1.2.3.4`, `::1`, `10.0.0.0/8` or `2001:db8::/32`. */
function isAddressOrSubnet(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export type IngestConfig = z.output<typeof checkedSchema>;

/** Reads and validates the ingest's configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): IngestConfig {
  return parseEnv(checkedSchema, env);
}

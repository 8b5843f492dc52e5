import { z } from 'zod';
import { ConfigError, databaseConfig, durationList, parseEnv, port, sharedConfig, urlWithScheme, type Env } from '@pipeline/core';

/** Set means yes (`1`, `true`, `yes`); `0`, `false` and `no` mean no. */
const flag = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .refine((value) => ['1', 'true', 'yes', '0', 'false', 'no'].includes(value), { message: 'must be 1/true/yes or 0/false/no' })
  .transform((value) => ['1', 'true', 'yes'].includes(value))
  .default(false);

const httpUrl = urlWithScheme('http', 'https');

const schema = z.object({
  ...sharedConfig,
  ...databaseConfig,
  /** The console's own listener, never the webhook port. 0: any free port (tests). */
  CONSOLE_PORT: port.default(3100),
  /** Loopback by default: the console is for operators on the machine or behind a tunnel/proxy. */
  CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
  /** The operators' login secret (form or `Authorization: Bearer`). */
  CONSOLE_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Read-only: pages, no actions; the only way to start without CONSOLE_TOKEN. */
  CONSOLE_READ_ONLY: flag,
  /** The ingest's base URL, for its `/readyz`. */
  CONSOLE_INGEST_URL: httpUrl.optional(),
  /** Comma-separated base URLs of the workers' health servers, for their `/readyz`. */
  CONSOLE_WORKER_URLS: z
    .string()
    .transform((value) => value.split(',').map((url) => url.trim()).filter((url) => url.length > 0))
    .refine((urls) => urls.every((url) => httpUrl.safeParse(url).success), { message: 'must be a comma-separated list of http(s) URLs' })
    .default([]),
  /** The workers' retry delays (same variable and default as the worker), to show one retry queue per delay. */
  WORKER_RETRY_DELAYS: durationList.default([5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000]),
});

export type ConsoleConfig = z.output<typeof schema>;

/**
 * The console's configuration, or a ConfigError naming the variable: without CONSOLE_TOKEN
 * the console starts only when CONSOLE_READ_ONLY says so (and then no one can act from it).
 */
export function loadConsoleConfig(env: Env): ConsoleConfig {
  const config = parseEnv(schema, env);
  if (config.CONSOLE_TOKEN === undefined && !config.CONSOLE_READ_ONLY) {
    throw new ConfigError('invalid configuration: CONSOLE_TOKEN is required (or set CONSOLE_READ_ONLY=1 for a read-only console without login)');
  }
  return config;
}

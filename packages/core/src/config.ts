import { z } from 'zod';
import { splitBrokerUrls } from './broker-urls.ts';
import { ConfigError } from './errors.ts';

export type Env = Record<string, string | undefined>;

/**
 * Parses `env` with `schema` and returns the typed result, or throws a ConfigError whose
 * message names every bad or missing variable (never its value, which may be a secret).
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  // Empty strings count as unset, as a shell `VAR=` would mean.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    // zod does not report the input by default: whether the variable was set tells "missing" from "bad".
    const missing = issue.code === 'invalid_type' && cleaned[variable] === undefined;
    return `${variable} ${missing ? 'is required' : issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/** A TCP port to listen on; 0 asks the system for any free port (tests do). */
export const port = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

/** A positive whole number (counts, limits, milliseconds). */
export const positiveInt = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .positive('must be positive');

/**
 * "a" or "an" before a scheme name read aloud letter by letter or as a word: "an amqp",
 * "an http" (aitch), "a postgres".
 */
function articleFor(word: string): 'a' | 'an' {
  return /^[aeioh]/i.test(word) ? 'an' : 'a';
}

/** A URL with one of the given schemes. */
export function urlWithScheme(...schemes: string[]) {
  return z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be ${articleFor(schemes[0] ?? '')} ${schemes.join(' or ')} URL` },
  );
}

/**
 * One amqp(s) URL, or a comma-separated list of them (the nodes of a RabbitMQ cluster).
 * The value stays a string, as given: the broker package splits it where it connects.
 */
export const amqpUrlList = z
  .string()
  .refine((value) => splitBrokerUrls(value).length > 0, { message: 'must hold at least one amqp or amqps URL' })
  .refine(
    (value) =>
      splitBrokerUrls(value).every((url) => {
        try {
          return ['amqp:', 'amqps:'].includes(new URL(url).protocol);
        } catch {
          return false;
        }
      }),
    { message: 'must be an amqp or amqps URL, or a comma-separated list of them' },
  );

/** A comma-separated list of webhook signing secrets (several while one is being rolled). */
export const secretList = z
  .string({ message: 'is required' })
  .transform((value) =>
    value
      .split(',')
      .map((secret) => secret.trim())
      .filter((secret) => secret.length > 0),
  )
  .refine((secrets) => secrets.length > 0, { message: 'must hold at least one secret' })
  .refine((secrets) => secrets.every((secret) => secret.startsWith('whsec_')), {
    message: 'must hold secrets that start with whsec_',
  });

const durationUnits: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration such as `500ms`, `5s`, `10m`, `1h` or `30d` into milliseconds. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * (durationUnits[unit ?? ''] ?? Number.NaN);
}

/** A comma-separated list of durations in milliseconds, e.g. `5s,1m,10m,1h`. */
export const durationList = z.string().transform((value, ctx) => {
  const parts = value.split(',').map((part) => parseDuration(part));
  if (parts.length === 0 || parts.some((ms) => ms === undefined || ms <= 0)) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of durations such as 5s,1m,10m' });
    return z.NEVER;
  }
  return parts as number[];
});

/** The pino levels a LOG_LEVEL may name. */
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Which Stripe modes a deployment processes. */
export const livemodePolicy = z.enum(['live', 'test', 'both']);
export type LivemodePolicy = z.output<typeof livemodePolicy>;

/** The broker and database settings every process shares, with the product's defaults. */
export const sharedConfig = {
  /** One broker URL or a comma-separated list (a cluster's nodes); clients move to the next on each reconnect. */
  RABBITMQ_URL: amqpUrlList.default('amqp://guest:guest@127.0.0.1:5672'),
  TOPOLOGY_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*\.$/, 'must be lowercase words ending with a dot, e.g. "staging."')
    .default(''),
  LOG_LEVEL: logLevel.default('info'),
};

/**
 * Every bound on a wait for PostgreSQL, in milliseconds, with its default. docs/operations.md
 * ("Bounded waits") says why each default is what it is; tests set them small.
 */
export const databaseTimeoutDefaults = {
  /** Opening a connection (TCP, TLS, authentication). */
  connectMs: 5_000,
  /** Client side: a query's answer; what catches a server that stopped answering (a black-holed connection). */
  queryMs: 20_000,
  /** Server side `statement_timeout`: one statement's run. */
  statementMs: 15_000,
  /** Server side `lock_timeout`: a wait for any lock, advisory locks included. */
  lockMs: 10_000,
  /** Server side `idle_in_transaction_session_timeout`: frees the locks of a client that vanished mid-transaction. */
  idleInTransactionMs: 60_000,
  /** TCP keepalive probes start after this much silence on a connection. */
  keepAliveInitialDelayMs: 10_000,
} as const;

export const databaseConfig = {
  DATABASE_URL: urlWithScheme('postgres', 'postgresql').default('postgres://postgres@127.0.0.1:5432/postgres'),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(databaseTimeoutDefaults.connectMs),
  DATABASE_QUERY_TIMEOUT_MS: positiveInt.default(databaseTimeoutDefaults.queryMs),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(databaseTimeoutDefaults.statementMs),
  DATABASE_LOCK_TIMEOUT_MS: positiveInt.default(databaseTimeoutDefaults.lockMs),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt.default(databaseTimeoutDefaults.idleInTransactionMs),
  DATABASE_KEEPALIVE_INITIAL_DELAY_MS: positiveInt.default(databaseTimeoutDefaults.keepAliveInitialDelayMs),
};

/** The database bounds as `createPool` takes them, from a config parsed with `databaseConfig`. */
export function databaseTimeoutsOf(config: {
  DATABASE_CONNECT_TIMEOUT_MS: number;
  DATABASE_QUERY_TIMEOUT_MS: number;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
  DATABASE_LOCK_TIMEOUT_MS: number;
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: number;
  DATABASE_KEEPALIVE_INITIAL_DELAY_MS: number;
}): DatabaseTimeouts {
  return {
    connectMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    queryMs: config.DATABASE_QUERY_TIMEOUT_MS,
    statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    lockMs: config.DATABASE_LOCK_TIMEOUT_MS,
    idleInTransactionMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    keepAliveInitialDelayMs: config.DATABASE_KEEPALIVE_INITIAL_DELAY_MS,
  };
}

export type DatabaseTimeouts = { readonly [K in keyof typeof databaseTimeoutDefaults]: number };

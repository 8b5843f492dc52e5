import { z } from 'zod';
import { databaseConfig, isLiveStripeKey, localExampleSecrets, localExampleStripeKey, parseEnv, port, positiveInt, secretList, sharedConfig, type Env } from '@pipeline/core';

/** Obviously fake signing secrets, used when the variables are unset so `npm start` works on a fresh clone (the CLI knows them too). */
export const exampleSecrets = localExampleSecrets;

const schema = z
  .object({
    ...sharedConfig,
    ...databaseConfig,
    STRIPE_WEBHOOK_SECRET_PLATFORM: secretList.optional(),
    STRIPE_WEBHOOK_SECRET_CONNECT: secretList.optional(),
    /**
     * The workers' API key; the local emulator accepts any well-formed test key. A live key
     * is refused: the stack points every worker at its emulator, over http.
     */
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_... or rk_...)')
      .refine((key) => !isLiveStripeKey(key), {
        message: 'must be a test-mode key: the local stack sends the workers to its Stripe emulator, never to Stripe with a live key',
      })
      .default(localExampleStripeKey),
    /** 0 here and in the other ports: any free port, read back from the app's `listening` line. */
    INGEST_PORT: port.default(3000),
    /** The ingest's `/metrics` listener, on 127.0.0.1 (below the workers' 9464 and up). */
    INGEST_METRICS_PORT: port.default(9463),
    EMULATOR_PORT: port.default(12111),
    /** The operator console (issue 14) on 127.0.0.1; its login token is CONSOLE_TOKEN, or a new random one each start. */
    CONSOLE_PORT: port.default(3100),
    CONSOLE_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** How many worker processes to run. */
    WORKERS: positiveInt.max(32, 'must be at most 32').default(2),
    /** The first worker's metrics port; worker-2 gets the next one, and so on (0: every worker picks a free port). */
    WORKER_METRICS_PORT: port.default(9464),
    /**
     * `auto`: when the broker or database does not answer, start it in a container if a
     * container runtime is available. `never`: only report it.
     */
    STACK_CONTAINERS: z.enum(['auto', 'never']).default('auto'),
  })
  .refine((config) => config.WORKER_METRICS_PORT === 0 || config.WORKER_METRICS_PORT + config.WORKERS - 1 <= 65535, {
    message: 'leaves no port for the last worker (WORKER_METRICS_PORT + WORKERS - 1 must be at most 65535)',
    path: ['WORKER_METRICS_PORT'],
  });

export interface StackConfig extends Omit<z.output<typeof schema>, 'STRIPE_WEBHOOK_SECRET_PLATFORM' | 'STRIPE_WEBHOOK_SECRET_CONNECT'> {
  /** The ingest's secrets as it reads them (comma-separated). */
  readonly STRIPE_WEBHOOK_SECRET_PLATFORM: string;
  readonly STRIPE_WEBHOOK_SECRET_CONNECT: string;
  /** The secret variables that were unset and fell back to `exampleSecrets`. */
  readonly exampleSecretsInUse: ReadonlyArray<keyof typeof exampleSecrets>;
}

/** Reads and validates the stack's configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): StackConfig {
  const parsed = parseEnv(schema, env);
  const exampleSecretsInUse = (Object.keys(exampleSecrets) as Array<keyof typeof exampleSecrets>).filter(
    (name) => parsed[name] === undefined,
  );
  return {
    ...parsed,
    STRIPE_WEBHOOK_SECRET_PLATFORM: parsed.STRIPE_WEBHOOK_SECRET_PLATFORM?.join(',') ?? exampleSecrets.STRIPE_WEBHOOK_SECRET_PLATFORM,
    STRIPE_WEBHOOK_SECRET_CONNECT: parsed.STRIPE_WEBHOOK_SECRET_CONNECT?.join(',') ?? exampleSecrets.STRIPE_WEBHOOK_SECRET_CONNECT,
    exampleSecretsInUse,
  };
}

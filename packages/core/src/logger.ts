import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Header and field paths that may hold a secret; pino replaces them with `[redacted]`. */
export const redactedPaths = [
  'req.headers["stripe-signature"]',
  'req.headers.authorization',
  'headers["stripe-signature"]',
  'headers.authorization',
  '*.secret',
  '*.secrets',
  '*.apiKey',
  '*.password',
  'config.STRIPE_SECRET_KEY',
  'config.STRIPE_WEBHOOK_SECRET_PLATFORM',
  'config.STRIPE_WEBHOOK_SECRET_CONNECT',
];

/**
 * The one logger of a process: JSON lines, secrets redacted, bodies never logged.
 * `destination` defaults to stdout; the CLI logs to stderr, keeping stdout for its output.
 */
export function createLogger(options: { name: string; level: string; destination?: DestinationStream } & Pick<LoggerOptions, 'base'>): Logger {
  const settings: LoggerOptions = {
    name: options.name,
    level: options.level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    ...(options.base === undefined ? {} : { base: options.base }),
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

/** Standard error as a log destination, for processes whose stdout is their output (the CLI). */
export function stderrDestination(): DestinationStream {
  return pino.destination(2);
}

import { pino, type Logger, type LoggerOptions } from 'pino';

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

/** The one logger of a process: JSON lines on stdout, secrets redacted, bodies never logged. */
export function createLogger(options: { name: string; level: string } & Pick<LoggerOptions, 'base'>): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    ...(options.base === undefined ? {} : { base: options.base }),
  });
}

/**
 * The error catalogue. Every error the pipeline raises on purpose is one of these classes;
 * the class decides what happens to the request or message, and `code` is stable so
 * operators and tests can match on it.
 */

/** Base class: a stable `code`, a message for humans, and the underlying `cause` if any. */
export class PipelineError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The process configuration is invalid; the message names every bad variable. */
export class ConfigError extends PipelineError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

/** A webhook request that can never be accepted as sent: the ingest answers 400. */
export class RejectedRequestError extends PipelineError {}

/** The broker did not take responsibility for a message: the ingest answers 503. */
export class PublishError extends PipelineError {}

/** A command that can never succeed for this event: the worker parks the message at once. */
export class PermanentError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PERMANENT', message, options);
  }
}

/** A command failed in a way that may pass on a later attempt: the worker retries it. */
export class TransientError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRANSIENT', message, options);
  }
}

/** A short, loggable description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

import { describeError } from '@pipeline/core';
import { CliError } from './cli-error.ts';

/** The innermost reason of a failure, e.g. `connect ECONNREFUSED 127.0.0.1:3000` under `fetch failed`. */
export function rootCause(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth += 1) current = current.cause;
  if (current instanceof AggregateError && current.message === '') return describeError(current.errors[0]);
  return describeError(current);
}

/**
 * The one line an operator sees for a failure: the message and, when it adds something,
 * the underlying cause (e.g. `connect ECONNREFUSED`). Never a stack trace.
 */
export function errorLine(err: unknown): string {
  const parts = [describeError(err)];
  let cause: unknown = err instanceof Error ? err.cause : undefined;
  while (cause !== undefined && parts.length < 4) {
    // Node's network errors come as an AggregateError without a message of its own.
    const text = cause instanceof AggregateError && cause.message === '' ? describeError(cause.errors[0]) : describeError(cause);
    if (text !== '' && !parts.some((part) => part.includes(text))) parts.push(text);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return `error: ${parts.join(': ').replace(/\s*\n\s*/g, ' ')}`;
}

/** The exit status for a failure: the CliError's own, 1 for anything else. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}

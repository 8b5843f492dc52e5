import Stripe from 'stripe';
import { PermanentError, PipelineError, TransientError } from '@pipeline/core';

const { StripeError, StripeConnectionError, StripeRateLimitError, StripeAuthenticationError } = Stripe.errors;

/** Anything that looks like a Stripe secret or restricted key, wherever a message quotes one. */
const apiKeyPattern = /\b(?:sk|rk)_(?:live|test)_[*\w]+/g;

/**
 * Stripe answered 400 `balance_insufficient`: a transfer without `source_transaction` asked
 * for more than the platform's available balance. Not permanent: the balance grows as
 * charges' funds become available, which takes days, so the transfer is held and retried
 * on a long schedule. Anything that lets it escape retries it (it is no PermanentError).
 */
export class InsufficientFundsError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BALANCE_INSUFFICIENT', message, options);
  }
}

/**
 * What a failed Stripe call means for the command, as the error class the worker acts on:
 * - TransientError (retried later): no connection, 429 (rate limit or lock timeout), 409
 *   (another request with the same idempotency key is still in flight, which the SDK
 *   reports as a StripeAPIError), 408 and every 5xx, or no status at all.
 * - InsufficientFundsError (held, retried for days): 400 with code `balance_insufficient`.
 * - PermanentError (parked at once): any other 4xx: invalid request, card, permission,
 *   authentication, and an idempotency key reused with different parameters (400).
 * The cause is kept; the message names the call, Stripe's error type, status, code and
 * request id, and Stripe's own message except for authentication errors (which quote the
 * key), with anything shaped like an API key blanked out.
 */
export function stripeFailure(err: unknown, call: string): PipelineError {
  if (!(err instanceof StripeError)) return new TransientError(`${call} failed before Stripe answered`, { cause: err });
  const status = err.statusCode;
  const details = [
    err.type,
    status === undefined ? undefined : `status ${status}`,
    err.code === undefined ? undefined : `code ${err.code}`,
    err.requestId === undefined ? undefined : `request ${err.requestId}`,
  ].filter((part) => part !== undefined);
  const said = err instanceof StripeAuthenticationError || err.message === '' ? '' : `: ${err.message.replace(apiKeyPattern, '[redacted]')}`;
  const message = `${call} failed (${details.join(', ')})${said}`;
  if (err.code === 'balance_insufficient') return new InsufficientFundsError(message, { cause: err });
  return isTransient(err, status) ? new TransientError(message, { cause: err }) : new PermanentError(message, { cause: err });
}

function isTransient(err: InstanceType<typeof StripeError>, status: number | undefined): boolean {
  if (err instanceof StripeConnectionError || err instanceof StripeRateLimitError) return true;
  if (status === undefined) return true;
  return status >= 500 || status === 429 || status === 409 || status === 408;
}

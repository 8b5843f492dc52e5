import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '@pipeline/core';
import { InsufficientFundsError, stripeFailure } from './stripe-failure.ts';

const errors = Stripe.errors;

describe('stripeFailure', () => {
  it.each<[string, Error]>([
    ['no connection', new errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe.' })],
    ['a rate limit', new errors.StripeRateLimitError({ message: 'Too many requests', statusCode: 429 })],
    ['a lock timeout', new errors.StripeRateLimitError({ message: 'lock timeout', statusCode: 429, code: 'lock_timeout' })],
    ['a server error', new errors.StripeAPIError({ message: 'Internal error', statusCode: 500 })],
    ['an unavailable API', new errors.StripeAPIError({ message: 'Service unavailable', statusCode: 503 })],
    ['a concurrent request with the same idempotency key', new errors.StripeAPIError({ message: 'in progress', statusCode: 409, type: 'idempotency_error' })],
  ])('retries after %s', (_, err) => {
    const failure = stripeFailure(err, 'transfer transfer:in_1:acct_1');
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure.cause).toBe(err);
    expect(failure.message).toContain('transfer transfer:in_1:acct_1 failed');
  });

  it('holds for funds, not parks, a balance_insufficient', () => {
    const err = new errors.StripeInvalidRequestError({ message: 'You have insufficient available funds', statusCode: 400, code: 'balance_insufficient' });
    const failure = stripeFailure(err, 'transfer t');
    expect(failure).toBeInstanceOf(InsufficientFundsError);
    expect(failure).not.toBeInstanceOf(PermanentError);
    expect(failure.code).toBe('BALANCE_INSUFFICIENT');
  });

  it.each<[string, Error]>([
    ['an invalid request', new errors.StripeInvalidRequestError({ message: 'No such destination', statusCode: 400, code: 'resource_missing' })],
    ['a missing resource', new errors.StripeInvalidRequestError({ message: 'No such charge', statusCode: 404 })],
    ['a permission error', new errors.StripePermissionError({ message: 'not allowed', statusCode: 403 })],
    ['an idempotency key reused with other parameters', new errors.StripeIdempotencyError({ message: 'Keys for idempotent requests can only be used with the same parameters', statusCode: 400, type: 'idempotency_error' })],
    ['a card error', new errors.StripeCardError({ message: 'declined', statusCode: 402 })],
  ])('gives up at once on %s', (_, err) => {
    const failure = stripeFailure(err, 'transfer t');
    expect(failure).toBeInstanceOf(PermanentError);
    expect(failure.cause).toBe(err);
  });

  it('names the Stripe error type, status, code and request id', () => {
    const err = new errors.StripeInvalidRequestError({ message: 'No such destination: acct_x', statusCode: 400, code: 'resource_missing', requestId: 'req_123' });
    expect(stripeFailure(err, 'transfer t').message).toBe(
      'transfer t failed (StripeInvalidRequestError, status 400, code resource_missing, request req_123): No such destination: acct_x',
    );
  });

  it('never puts an API key in the message', () => {
    const auth = new errors.StripeAuthenticationError({ message: 'Invalid API Key provided: sk_test_fake_0123456789', statusCode: 401 });
    const failure = stripeFailure(auth, 'transfer t');
    expect(failure).toBeInstanceOf(PermanentError);
    expect(failure.message).not.toContain('sk_test');
    const quoted = new errors.StripeInvalidRequestError({ message: 'key rk_live_abcDEF123 is restricted', statusCode: 400 });
    expect(stripeFailure(quoted, 'transfer t').message).toContain('key [redacted] is restricted');
  });

  it('retries a failure that is not Stripe answering, keeping it as the cause', () => {
    const err = new Error('socket hang up');
    const failure = stripeFailure(err, 'transfer t');
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure.cause).toBe(err);
  });
});

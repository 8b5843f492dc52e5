/** Stripe's error types, as its API names them in `error.type`. */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

/** The `error` object of a Stripe error answer. */
export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  doc_url?: string;
}

/**
 * An error answer in Stripe's shape, `{ error: { type, code?, message, param? } }`, with
 * Stripe's status. Thrown by request handlers; the route turns it into the answer.
 */
export class StripeApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  /**
   * Whether the answer is kept under the request's idempotency key. Stripe keeps every
   * answer of an endpoint that began executing (errors and 500s included), and none for a
   * request refused by validation; default false, the validation case.
   */
  readonly saved: boolean;

  constructor(status: number, body: StripeErrorBody, options: { saved?: boolean } = {}) {
    super(body.message);
    this.name = 'StripeApiError';
    this.status = status;
    this.body = body;
    this.saved = options.saved ?? false;
  }
}

function withDocs(body: StripeErrorBody): StripeErrorBody {
  return body.code === undefined ? body : { ...body, doc_url: `https://stripe.com/docs/error-codes/${body.code.replaceAll('_', '-')}` };
}

/** 400 for a request whose parameter `param` is wrong, naming it as Stripe does. */
export function invalidParam(param: string, message: string, code = 'parameter_invalid'): StripeApiError {
  return new StripeApiError(400, withDocs({ type: 'invalid_request_error', code, param, message }));
}

/** 400 for a required parameter that was not sent. */
export function missingParam(param: string): StripeApiError {
  return new StripeApiError(400, withDocs({ type: 'invalid_request_error', code: 'parameter_missing', param, message: `Missing required param: ${param}.` }));
}

/** 400 for a parameter the endpoint does not know (Stripe rejects these rather than ignoring them). */
export function unknownParam(param: string): StripeApiError {
  return new StripeApiError(400, withDocs({ type: 'invalid_request_error', code: 'parameter_unknown', param, message: `Received unknown parameter: ${param}` }));
}

/** 404 for an object that does not exist (or belongs to another account). */
export function resourceMissing(kind: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, withDocs({ type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` }));
}

/** 404 for a path or method the API does not have. */
export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

/**
 * 400 `balance_insufficient`: a transfer without `source_transaction` asked for more than
 * the available balance. The endpoint ran, so Stripe keeps this answer under the key.
 */
export function balanceInsufficient(): StripeApiError {
  return new StripeApiError(
    400,
    withDocs({
      type: 'invalid_request_error',
      code: 'balance_insufficient',
      message: 'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Top-ups.',
    }),
    { saved: true },
  );
}

/**
 * The error answer for an arbitrary status, as Stripe sends it: 429 is a rate limit
 * (Stripe's body says `invalid_request_error` with code `rate_limit`; the SDK raises
 * StripeRateLimitError from the status), 5xx an `api_error`, 402 a declined card, 401
 * a refused key, anything else an invalid request.
 */
export function errorForStatus(status: number, overrides: Partial<StripeErrorBody> = {}): StripeApiError {
  const base = ((): StripeErrorBody => {
    if (status === 429) {
      return withDocs({ type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.' });
    }
    if (status >= 500) return { type: 'api_error', message: 'An unknown error occurred while processing this request.' };
    if (status === 402) return withDocs({ type: 'card_error', code: 'card_declined', message: 'Your card was declined.' });
    if (status === 401) return { type: 'invalid_request_error', message: 'Invalid API Key provided.' };
    return { type: 'invalid_request_error', message: `The request failed with status ${status}.` };
  })();
  return new StripeApiError(status, { ...base, ...overrides });
}

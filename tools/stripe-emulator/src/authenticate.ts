import { StripeApiError } from './stripe-error.ts';

const keyPattern = /^(sk|rk)_(test|live)_\S+$/;

/** What the API key of a request tells the emulator. */
export interface Credentials {
  /** True for `sk_live_`/`rk_live_` keys; objects created with them carry `livemode: true`. */
  livemode: boolean;
}

function keyFrom(header: string): string | undefined {
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  // Stripe also takes the key as the Basic auth user name (`curl -u sk_test_...:`).
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0];
  return undefined;
}

// Stripe quotes a refused key with its middle blanked out; so does the emulator.
function masked(key: string): string {
  return key.length <= 12 ? '****' : `${key.slice(0, 8)}****${key.slice(-4)}`;
}

/**
 * Checks the `Authorization` header as Stripe does (any well-formed secret or restricted
 * key passes; there is no list of keys). Throws Stripe's 401 answer when the key is
 * missing or malformed.
 */
export function authenticate(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') {
    throw new StripeApiError(401, {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    });
  }
  const key = keyFrom(header);
  const match = key === undefined ? null : keyPattern.exec(key);
  if (key === undefined || match === null) {
    throw new StripeApiError(401, {
      type: 'invalid_request_error',
      message: key === undefined || key === '' ? 'Invalid Authorization header: use Bearer auth with your API key.' : `Invalid API Key provided: ${masked(key)}`,
    });
  }
  return { livemode: match[2] === 'live' };
}

import Stripe from 'stripe';
import { RejectedRequestError } from '@pipeline/core';

const signature = Stripe.webhooks.signature;
if (signature === null) throw new Error('the stripe package has no webhook signature helper');

/**
 * The parts of a `Stripe-Signature` header (`t=<unix seconds>,v1=<hex>,v1=<hex>...`),
 * checked for shape only: which secret signed it is the SDK's job.
 */
function checkHeaderShape(header: string | string[] | undefined): string {
  if (header === undefined || header === '') {
    throw new RejectedRequestError('signature_missing', 'the Stripe-Signature header is missing');
  }
  if (Array.isArray(header)) {
    throw new RejectedRequestError('signature_malformed', 'the Stripe-Signature header was sent more than once');
  }
  let timestamp = false;
  let v1 = false;
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = true;
    if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value)) v1 = true;
  }
  if (!timestamp || !v1) {
    throw new RejectedRequestError('signature_malformed', 'the Stripe-Signature header needs t=<timestamp> and v1=<signature>');
  }
  return header;
}

/**
 * Verifies that `payload` was signed by one of `secrets` (several during a secret roll)
 * within `toleranceS` seconds, using the stripe SDK's constant-time verification. Throws a
 * RejectedRequestError whose code says which check failed; never mentions a secret.
 */
export function verifySignature(payload: string, header: string | string[] | undefined, secrets: readonly string[], toleranceS: number): void {
  const checked = checkHeaderShape(header);
  for (const secret of secrets) {
    try {
      signature?.verifyHeader(payload, checked, secret, toleranceS);
      return;
    } catch (err: unknown) {
      if (!(err instanceof Stripe.errors.StripeSignatureVerificationError)) throw err;
      // The SDK checks the timestamp only once a signature matched this secret.
      if (/tolerance/i.test(err.message)) {
        throw new RejectedRequestError('timestamp_outside_tolerance', `the signature is older than ${toleranceS} s`);
      }
    }
  }
  throw new RejectedRequestError('signature_mismatch', 'no signature matches the payload for this endpoint');
}

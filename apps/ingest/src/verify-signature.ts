import { createRequire } from 'node:module';
import type StripeSdk from 'stripe';
import { RejectedRequestError } from '@pipeline/core';

// The SDK's CommonJS build, not its ES modules: the ingest needs only its webhook helpers,
// and the ES module build of the whole SDK costs more resident memory (measured in
// docs/benchmarks.md#figures-behind-code-choices). The rest of the ingest imports nothing
// that loads the other build.
const Stripe = createRequire(import.meta.url)('stripe') as typeof StripeSdk;

const signature = Stripe.webhooks.signature;
if (signature === null) throw new Error('the stripe package has no webhook signature helper');

/**
 * Reads the timestamp of a `Stripe-Signature` header (`t=<unix seconds>,v1=<hex>,v1=<hex>...`)
 * after checking its shape; which secret made the signatures is the SDK's job.
 */
function signedAt(header: string | string[] | undefined): { header: string; timestamp: number } {
  if (header === undefined || header === '') {
    throw new RejectedRequestError('signature_missing', 'the Stripe-Signature header is missing');
  }
  if (Array.isArray(header)) {
    throw new RejectedRequestError('signature_malformed', 'the Stripe-Signature header was sent more than once');
  }
  const timestamps: string[] = [];
  let v1 = false;
  for (const part of header.split(',')) {
    const [key, value = ''] = part.split('=', 2);
    if (key === 't') timestamps.push(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) v1 = true;
  }
  // One timestamp only: the SDK would silently take the last of several.
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || !v1) {
    throw new RejectedRequestError('signature_malformed', 'the Stripe-Signature header needs one t=<timestamp> and a v1=<signature>');
  }
  return { header, timestamp: Number(timestamp) };
}

/**
 * Verifies that `payload`, the raw request body, was signed by one of `secrets` (several
 * during a secret roll) no more than `toleranceS` seconds ago, with the stripe SDK's
 * constant-time comparison. Throws a RejectedRequestError whose code says which check
 * failed (`signature_missing`, `signature_malformed`, `body_empty`, `signature_mismatch`,
 * `timestamp_outside_tolerance`); never mentions a secret or the signature.
 */
export function verifySignature(
  payload: Buffer,
  header: string | string[] | undefined,
  secrets: readonly string[],
  toleranceS: number,
  now = Date.now(),
): void {
  const signed = signedAt(header);
  if (payload.length === 0) throw new RejectedRequestError('body_empty', 'the body is empty');
  const matched = secrets.some((secret) => {
    try {
      // Tolerance 0: the SDK checks the signature only; the age is checked below, so a
      // stale signature is told apart without reading the SDK's error messages.
      signature?.verifyHeader(payload, signed.header, secret, 0);
      return true;
    } catch (err: unknown) {
      if (err instanceof Stripe.errors.StripeSignatureVerificationError) return false;
      throw err;
    }
  });
  if (!matched) {
    throw new RejectedRequestError('signature_mismatch', 'no signature matches the body for this endpoint');
  }
  // Stripe's SDK only refuses signatures that are too old; one from the future passes, as there.
  if (Math.floor(now / 1000) - signed.timestamp > toleranceS) {
    throw new RejectedRequestError('timestamp_outside_tolerance', `the signature is older than ${toleranceS} s`);
  }
}

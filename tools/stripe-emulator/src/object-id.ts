import { randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A Stripe-shaped id such as `tr_1Q...`. The same as `stripeId` in @pipeline/stripe-events,
 * kept here because importing that package loads the whole Stripe SDK, which would double
 * the emulator's start time in every test file that starts one.
 */
export function objectId(prefix: string, length = 24): string {
  let out = '';
  for (const byte of randomBytes(length)) out += alphabet.charAt(byte % alphabet.length);
  return `${prefix}_${out}`;
}

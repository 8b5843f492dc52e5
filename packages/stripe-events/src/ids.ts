import { randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Stripe-shaped id with the given prefix, e.g. `stripeId('evt')` gives `evt_1Q...`. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet.charAt(byte % alphabet.length);
  return `${prefix}_${out}`;
}

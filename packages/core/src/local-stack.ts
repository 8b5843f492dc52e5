/**
 * The local stack's fixed, obviously fake credentials (`npm start`, docker-compose). The
 * stack uses them when the variables are unset; the CLI falls back to them only when it
 * targets a loopback address (see `isLoopbackUrl`), never for a remote URL.
 */
export const localExampleSecrets = {
  STRIPE_WEBHOOK_SECRET_PLATFORM: 'whsec_local_platform_example',
  STRIPE_WEBHOOK_SECRET_CONNECT: 'whsec_local_connect_example',
} as const;

/** The API key the local stack gives its workers (the emulator accepts any well-formed test key). */
export const localExampleStripeKey = 'sk_test_local_example';

/** Whether `url` points at this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

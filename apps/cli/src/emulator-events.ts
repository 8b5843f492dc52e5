import { CliError } from './cli-error.ts';
import { rootCause } from './report-error.ts';

const isStripeHost = (host: string): boolean => host === 'stripe.com' || host.endsWith('.stripe.com');

/**
 * Records events in the local Stripe emulator's event list as not delivered
 * (`delivery_success=false`), as Stripe lists an event whose webhook it could not deliver,
 * through the emulator's control API (`POST /_emulator/events`). `reconcile` then finds them
 * with `GET /v1/events?delivery_success=false`. STRIPE_API_BASE must be set and must not be
 * Stripe's own API, which has no such thing (the emulator is on loopback under `npm start`,
 * `http://stripe-emulator:12111` in compose). No key is sent.
 */
export async function recordUndelivered(apiBase: string | undefined, events: readonly object[]): Promise<void> {
  if (apiBase === undefined || isStripeHost(new URL(apiBase).hostname)) {
    throw new CliError(
      'UNDELIVERED_NEEDS_EMULATOR',
      `--undelivered records the event in the local Stripe emulator: set STRIPE_API_BASE to the emulator's URL (the local stack's banner prints it)${apiBase === undefined ? '' : `, not ${new URL(apiBase).host}`}`,
    );
  }
  const url = new URL('/_emulator/events', apiBase).toString();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ events, deliverySuccess: false }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err: unknown) {
    throw new CliError('EMULATOR_UNREACHABLE', `cannot reach the Stripe emulator at ${new URL(apiBase).origin} (${rootCause(err)}); is the local stack running, and is STRIPE_API_BASE right?`);
  }
  if (response.status !== 201) {
    throw new CliError('EMULATOR_REJECTED', `the Stripe emulator at ${new URL(apiBase).origin} answered ${response.status} to recording events: ${(await response.text()).slice(0, 200)}`);
  }
}

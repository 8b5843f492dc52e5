import { isLoopbackUrl } from '@pipeline/core';
import { CliError } from './cli-error.ts';
import { rootCause } from './report-error.ts';

/**
 * Records events in the local Stripe emulator's event list as not delivered
 * (`delivery_success=false`), as Stripe lists an event whose webhook it could not deliver,
 * through the emulator's control API (`POST /_emulator/events`). `reconcile` then finds them
 * with `GET /v1/events?delivery_success=false`. Only a loopback STRIPE_API_BASE is accepted:
 * real Stripe has no such API, and an event must never be "recorded" anywhere else.
 */
export async function recordUndelivered(apiBase: string | undefined, events: readonly object[]): Promise<void> {
  if (apiBase === undefined || !isLoopbackUrl(apiBase)) {
    throw new CliError(
      'UNDELIVERED_NEEDS_EMULATOR',
      `--undelivered records the event in the local Stripe emulator: set STRIPE_API_BASE to its loopback URL (the local stack's banner prints it)${apiBase === undefined ? '' : `, not ${new URL(apiBase).host}`}`,
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

import { CliError } from './cli-error.ts';
import { rootCause } from './report-error.ts';

/** What the ingest answered. */
export interface IngestAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
}

/**
 * Posts a signed event body to an ingest route the way Stripe does. Rejects with a
 * CliError when nothing answered (not running, wrong INGEST_URL, no answer within
 * `timeoutMs`); any HTTP answer resolves.
 */
export async function postEvent(url: string, payload: string, signature: string, timeoutMs = 10_000): Promise<IngestAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': signature, 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err: unknown) {
    if (err instanceof Error && err.name === 'TimeoutError') {
      throw new CliError('INGEST_TIMEOUT', `the ingest at ${new URL(url).origin} did not answer within ${timeoutMs} ms`);
    }
    throw new CliError('INGEST_UNREACHABLE', `cannot reach the ingest at ${new URL(url).origin} (${rootCause(err)}); is it running, and is INGEST_URL right?`);
  }
  return { status: response.status, statusText: response.statusText, body: await response.text() };
}

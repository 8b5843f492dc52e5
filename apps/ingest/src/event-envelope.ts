import { RejectedRequestError } from '@pipeline/core';
import { describeEnvelopeProblem, stripeEventEnvelope, type Endpoint, type EventEnvelope } from '@pipeline/broker';

// Fatal: bytes that are not UTF-8 are refused rather than repaired, so what is published is
// exactly what was parsed. A BOM is kept, so JSON.parse refuses it here as a worker would.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses verified bytes into the envelope the ingest publishes, or throws a
 * RejectedRequestError: not UTF-8 JSON (`body_not_json`), not a Stripe event
 * (`not_a_stripe_event`), or on the wrong endpoint (`account_missing`, `account_unexpected`).
 */
export function parseEnvelope(payload: Buffer, endpoint: Endpoint): EventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(payload));
  } catch {
    // No `cause`: V8's JSON errors quote a piece of the body, and bodies are never logged.
    throw new RejectedRequestError('body_not_json', 'the body is not UTF-8 JSON');
  }
  // The same schema the worker checks a message against: both sides agree on what an event is.
  const result = stripeEventEnvelope.safeParse(json);
  if (!result.success) {
    throw new RejectedRequestError('not_a_stripe_event', `the body is not a Stripe event envelope (${describeEnvelopeProblem(result.error)})`);
  }
  const event = result.data;
  const account = event.account ?? undefined;
  if (endpoint === 'connect' && account === undefined) {
    throw new RejectedRequestError('account_missing', 'a Connect event must carry the connected account in "account"');
  }
  if (endpoint === 'platform' && account !== undefined) {
    throw new RejectedRequestError('account_unexpected', 'a platform event must not carry "account"; send it to the Connect endpoint');
  }
  return { id: event.id, type: event.type, endpoint, account, livemode: event.livemode };
}

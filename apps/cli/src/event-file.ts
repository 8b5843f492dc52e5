import { describeEnvelopeProblem, stripeEventEnvelope, type Endpoint, type EventEnvelope } from '@pipeline/broker';
import { CliError } from './cli-error.ts';

/** One event of a replay file, checked, with the exact bytes to publish. */
export interface EventToPublish {
  readonly envelope: EventEnvelope;
  readonly body: Buffer;
  /** Line number in the file, for messages; undefined for events from elsewhere. */
  readonly line?: number;
}

/** Connect events carry the connected account; everything else came to the platform endpoint. */
export function endpointOf(account: string | undefined): Endpoint {
  return account === undefined ? 'platform' : 'connect';
}

/** Checks one JSON text as a Stripe event; returns the problem as a phrase, or the envelope. */
export function checkEventJson(text: string): { envelope: EventEnvelope } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err: unknown) {
    return { problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const result = stripeEventEnvelope.safeParse(json);
  if (!result.success) return { problem: `not a Stripe event: ${describeEnvelopeProblem(result.error)}` };
  const { id, type, livemode } = result.data;
  const account = result.data.account ?? undefined;
  return { envelope: { id, type, livemode, account, endpoint: endpointOf(account) } };
}

/**
 * Reads a file of events, one JSON object a line (as exported from Stripe's events API).
 * Blank lines are skipped. Every line is checked before anything is used: the first bad one
 * throws `line N: <problem>`.
 */
export function parseEventLines(content: string): EventToPublish[] {
  const events: EventToPublish[] = [];
  const lines = content.split('\n');
  for (const [index, raw] of lines.entries()) {
    const text = raw.replace(/\r$/, '').trim();
    if (text === '') continue;
    const checked = checkEventJson(text);
    if ('problem' in checked) throw new CliError('BAD_LINE', `line ${index + 1}: ${checked.problem}`);
    events.push({ envelope: checked.envelope, body: Buffer.from(text, 'utf8'), line: index + 1 });
  }
  return events;
}

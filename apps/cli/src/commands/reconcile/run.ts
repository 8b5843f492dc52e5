import { databaseTimeoutsOf } from '@pipeline/core';
import type Stripe from 'stripe';
import { createStripeClient, serializeEvent } from '@pipeline/stripe-events';
import { CliError } from '../../cli-error.ts';
import { brokerSettings, databaseSettings, loadConfig, stripeApiSettings } from '../../config.ts';
import { openDatabase } from '../../database.ts';
import { checkEventJson, type EventToPublish } from '../../event-file.ts';
import { findFinished } from '../../finished-events.ts';
import { countInto, formatCounts, formatTable, plural } from '../../format.ts';
import type { CliIo } from '../../io.ts';
import { publishAndReport } from '../../publish-run.ts';
import { parseSince } from '../../since.ts';
import { listUndeliveredEvents, type UndeliveredEvents } from '../../undelivered-events.ts';

/** Stripe's events API only goes back 30 days. */
export const maxLookBackMs = 30 * 86_400_000;

export interface ReconcileOptions {
  readonly since: string;
  readonly dryRun?: boolean;
  readonly rate?: number;
}

function sinceDate(value: string, now: Date): Date {
  const since = parseSince(value, now);
  if (since === undefined) throw new CliError('BAD_SINCE', `--since ${value} is neither an ISO date (2026-05-01, 2026-05-01T12:00:00Z) nor a duration back from now (6h, 3d)`);
  if (since.getTime() > now.getTime()) throw new CliError('BAD_SINCE', `--since ${value} is in the future`);
  // A minute of slack, so `--since 30d` is not refused for the time it took to type it.
  if (now.getTime() - since.getTime() > maxLookBackMs + 60_000) {
    throw new CliError('BAD_SINCE', `--since ${value} goes back more than 30 days: Stripe's events API keeps events for 30 days`);
  }
  return since;
}

/** The undelivered events as messages; an event that is not a valid envelope is reported, not published. */
function toMessages(events: readonly Stripe.Event[]): { messages: EventToPublish[]; invalid: Array<{ id: string; problem: string }> } {
  const messages: EventToPublish[] = [];
  const invalid: Array<{ id: string; problem: string }> = [];
  for (const event of events) {
    const body = serializeEvent(event);
    const checked = checkEventJson(body);
    if ('problem' in checked) invalid.push({ id: event.id, problem: checked.problem });
    else messages.push({ envelope: checked.envelope, body: Buffer.from(body, 'utf8') });
  }
  return { messages, invalid };
}

/**
 * Asks Stripe for the events it could not deliver since `--since` (platform and every
 * connected account) and publishes those no worker has finished.
 */
export async function runReconcile(io: CliIo, options: ReconcileOptions): Promise<void> {
  const since = sinceDate(options.since, new Date());
  const config = loadConfig({ ...stripeApiSettings, ...databaseSettings, ...brokerSettings }, io.env);
  const stripe = createStripeClient({ apiKey: config.STRIPE_SECRET_KEY, apiBase: config.STRIPE_API_BASE });
  let undelivered: UndeliveredEvents;
  try {
    undelivered = await listUndeliveredEvents(stripe, since);
  } catch (err: unknown) {
    throw new CliError('STRIPE_API', `listing undelivered events from ${new URL(config.STRIPE_API_BASE).host} (STRIPE_API_BASE) failed`, { cause: err });
  }
  const pool = await openDatabase(config.DATABASE_URL, databaseTimeoutsOf(config));
  let finished: Set<string>;
  try {
    finished = await findFinished(pool, undelivered.events.map((event) => event.id));
  } finally {
    await pool.end();
  }
  const { messages, invalid } = toMessages(undelivered.events.filter((event) => !finished.has(event.id)));
  io.print(
    `found ${plural(undelivered.events.length, 'undelivered event')} since ${since.toISOString()} (platform and ${plural(undelivered.accounts, 'connected account')}); ${finished.size} already finished`,
  );
  for (const { id, problem } of invalid) io.print(`not publishing ${id}: ${problem}`);

  if (options.dryRun === true) {
    if (messages.length > 0) {
      const rows = messages.map(({ envelope }) => [envelope.id, envelope.type, envelope.account ?? '-']);
      for (const line of formatTable(['ID', 'TYPE', 'ACCOUNT'], rows)) io.print(line);
    }
    const byType = new Map<string, number>();
    for (const { envelope } of messages) countInto(byType, envelope.type);
    io.print(`dry run: would publish ${plural(messages.length, 'event')}`);
    for (const line of formatCounts(byType)) io.print(line);
    return;
  }
  if (messages.length === 0) io.print('nothing to publish');
  else await publishAndReport(io, config, messages, { rate: options.rate, skipped: finished.size, skippedDetail: finished.size > 0 ? `${finished.size} already finished` : '' });
  if (invalid.length > 0) throw new CliError('INVALID_EVENTS', `${plural(invalid.length, 'event')} from Stripe could not be published (see above)`);
}

import type { FeedEvent } from '@pipeline/db';
import { formatTable, truncate } from '../format.ts';

/** A settle time to the second, UTC, as the tables print times. */
function timeOf(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `14 ms`, or `-` when the latency is unknown. */
export function latencyText(event: FeedEvent): string {
  return event.latencyMs === null ? '-' : `${event.latencyMs} ms`;
}

/** The human table of `events list`. */
export function feedTable(events: readonly FeedEvent[]): string[] {
  return formatTable(
    ['SETTLED AT', 'TYPE', 'ID', 'ENDPOINT', 'ACCOUNT', 'OUTCOME', 'ATTEMPTS', 'LATENCY', 'TRANSFERS', 'ERROR'],
    events.map((event) => [
      timeOf(event.settledAt),
      event.type,
      event.id,
      event.endpoint,
      event.account ?? '-',
      event.outcome,
      String(event.attempts),
      latencyText(event),
      String(event.transfers),
      event.lastError === null ? '-' : truncate(event.lastError, 80),
    ]),
  );
}

/**
 * One `events tail` line, in the spirit of `stripe listen`:
 * `01:02:03  invoice.paid  evt_…  processed  14 ms  transfers: 2`, then the account and,
 * for a parked event, its attempts and error. Type and outcome are padded so lines align.
 */
export function tailLine(event: FeedEvent): string {
  const parts = [
    event.settledAt.toISOString().slice(11, 19),
    event.type.padEnd(34),
    event.id.padEnd(30),
    event.outcome.padEnd(9),
    latencyText(event).padStart(8),
    `transfers: ${event.transfers}`,
  ];
  if (event.account !== null) parts.push(event.account);
  if (event.outcome === 'failed') parts.push(`attempts: ${event.attempts}`, `error: ${truncate(event.lastError ?? '-', 100)}`);
  return parts.join('  ');
}

/** An event as `--json` prints it: times as ISO 8601 strings. */
export function feedEventJson(event: FeedEvent): Record<string, unknown> {
  return { ...event, settledAt: event.settledAt.toISOString() };
}

import { headerDate, headers, headerText, lastBrokerDeath } from '@pipeline/broker';
import type { ParkedEventInput, ParkReason } from '@pipeline/db';

type Headers = Record<string, unknown>;

/** The properties of a parked message, as amqplib decodes them or as the worker builds them. */
export interface ParkedProperties {
  readonly messageId?: unknown;
  readonly type?: unknown;
  readonly headers?: Headers | undefined;
}



function numberOf(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(number) ? number : undefined;
}


function workerReason(values: Headers): ParkReason {
  const reason = headerText(values[headers.parkReason]);
  if (reason === 'permanent' || reason === 'exhausted' || reason === 'malformed') return reason;
  // Parked by a worker older than x-park-reason.
  return headerText(values[headers.lastErrorCode]) === 'PERMANENT' ? 'permanent' : 'exhausted';
}

/**
 * A parked message as a `parked_events` row: the worker's failure headers (`x-attempts`,
 * `x-last-error`, `x-parked-at`, `x-park-reason`) when the worker parked it, the broker's
 * `x-death` when its delivery limit did. `now` dates a message that says neither.
 */
export function parkedEventOf(body: Buffer, properties: ParkedProperties, now = new Date()): ParkedEventInput {
  const values: Headers = properties.headers ?? {};
  const routingKey = headerText(values[headers.routingKey]);
  const byWorker = values[headers.lastError] !== undefined || values[headers.parkedAt] !== undefined;
  const death = byWorker ? undefined : lastBrokerDeath(values);
  const livemode: unknown = values[headers.livemode];
  const deathReason = death?.reason;
  return {
    eventId: headerText(properties.messageId),
    type: headerText(properties.type) ?? routingKey?.replace(/^[^.]+\./, ''),
    endpoint: headerText(values[headers.endpoint]),
    account: headerText(values[headers.account]),
    livemode: typeof livemode === 'boolean' ? livemode : undefined,
    body,
    // A plain copy: what amqplib decoded (or the worker built), stored as JSON.
    properties: { ...properties },
    lastError: byWorker
      ? headerText(values[headers.lastError])
      : death === undefined
        ? undefined
        : `parked by the broker: ${deathReason ?? 'unknown reason'}${death.queue === undefined ? '' : ` in ${death.queue}`}`,
    errorCode: byWorker ? headerText(values[headers.lastErrorCode]) : deathReason,
    attempts: byWorker ? numberOf(values[headers.attempts]) : undefined,
    reason: byWorker ? workerReason(values) : deathReason === 'delivery_limit' ? 'delivery-limit' : 'unknown',
    parkedAt: headerDate(values[headers.parkedAt]) ?? death?.time ?? now,
  };
}

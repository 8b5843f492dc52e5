import { headers } from '@pipeline/broker';
import type { ParkedEventInput, ParkReason } from '@pipeline/db';

type Headers = Record<string, unknown>;

/** The properties of a parked message, as amqplib decodes them or as the worker builds them. */
export interface ParkedProperties {
  readonly messageId?: unknown;
  readonly type?: unknown;
  readonly headers?: Headers | undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value === 'string') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  // amqplib decodes AMQP timestamps in headers as { '!': 'timestamp', value: seconds }.
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'number') return new Date(value.value * 1000);
  if (typeof value === 'number') return new Date(value * 1000);
  return undefined;
}

function numberOf(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(number) ? number : undefined;
}

/** The most recent dead-lettering the broker recorded (first entry of `x-death`). */
function lastDeath(values: Headers): { reason: string | undefined; queue: string | undefined; time: Date | undefined } | undefined {
  const deaths = values['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return undefined;
  const first: unknown = deaths[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const death = first as Headers;
  return { reason: text(death.reason), queue: text(death.queue), time: dateOf(death.time) };
}

function workerReason(values: Headers): ParkReason {
  const reason = text(values[headers.parkReason]);
  if (reason === 'permanent' || reason === 'exhausted' || reason === 'malformed') return reason;
  // Parked by a worker older than x-park-reason.
  return text(values[headers.lastErrorCode]) === 'PERMANENT' ? 'permanent' : 'exhausted';
}

/**
 * A parked message as a `parked_events` row: the worker's failure headers (`x-attempts`,
 * `x-last-error`, `x-parked-at`, `x-park-reason`) when the worker parked it, the broker's
 * `x-death` when its delivery limit did. `now` dates a message that says neither.
 */
export function parkedEventOf(body: Buffer, properties: ParkedProperties, now = new Date()): ParkedEventInput {
  const values: Headers = properties.headers ?? {};
  const routingKey = text(values[headers.routingKey]);
  const byWorker = values[headers.lastError] !== undefined || values[headers.parkedAt] !== undefined;
  const death = byWorker ? undefined : lastDeath(values);
  const livemode: unknown = values[headers.livemode];
  const deathReason = death?.reason;
  return {
    eventId: text(properties.messageId),
    type: text(properties.type) ?? routingKey?.replace(/^[^.]+\./, ''),
    endpoint: text(values[headers.endpoint]),
    account: text(values[headers.account]),
    livemode: typeof livemode === 'boolean' ? livemode : undefined,
    body,
    // A plain copy: what amqplib decoded (or the worker built), stored as JSON.
    properties: { ...properties },
    lastError: byWorker
      ? text(values[headers.lastError])
      : death === undefined
        ? undefined
        : `parked by the broker: ${deathReason ?? 'unknown reason'}${death.queue === undefined ? '' : ` in ${death.queue}`}`,
    errorCode: byWorker ? text(values[headers.lastErrorCode]) : deathReason,
    attempts: byWorker ? numberOf(values[headers.attempts]) : undefined,
    reason: byWorker ? workerReason(values) : deathReason === 'delivery_limit' ? 'delivery-limit' : 'unknown',
    parkedAt: dateOf(values[headers.parkedAt]) ?? death?.time ?? now,
  };
}

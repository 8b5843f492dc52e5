import { headerDate, headers, headerText, lastBrokerDeath } from '@pipeline/broker';
import type { ParkedEventRecord } from '@pipeline/db';

/** What an operator needs to know about one parked message, read from its properties. */
export interface ParkedMessage {
  /** The Stripe event id (the message id). */
  readonly id: string | undefined;
  readonly type: string | undefined;
  readonly endpoint: string | undefined;
  readonly account: string | undefined;
  readonly livemode: boolean | undefined;
  readonly routingKey: string | undefined;
  /** Failed attempts the worker counted; undefined when the broker parked it. */
  readonly attempts: number | undefined;
  /** The last error, or the broker's reason for parking it. */
  readonly error: string | undefined;
  /** PERMANENT, TRANSIENT, ... (worker), or the broker's x-death reason such as `delivery_limit`. */
  readonly errorCode: string | undefined;
  readonly parkedAt: Date | undefined;
  /** The worker parks after its last attempt; the broker parks a message past its delivery limit. */
  readonly parkedBy: 'worker' | 'broker' | 'unknown';
}

type Headers = Record<string, unknown>;





function numberOf(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

/**
 * Reads a parked message as the worker writes it (`x-attempts`, `x-last-error`,
 * `x-parked-at`, ...) or as the broker's delivery limit leaves it (`x-death`).
 */
export function describeParkedMessage(properties: { readonly messageId?: unknown; readonly type?: unknown; readonly timestamp?: unknown; readonly headers?: Headers | undefined }): ParkedMessage {
  const values: Headers = properties.headers ?? {};
  const routingKey = headerText(values[headers.routingKey]);
  const workerError = headerText(values[headers.lastError]);
  const death = lastBrokerDeath(values);
  const parkedBy = workerError !== undefined || values[headers.parkedAt] !== undefined ? 'worker' : death !== undefined ? 'broker' : 'unknown';
  const brokerError = death === undefined ? undefined : `parked by the broker: ${death.reason ?? 'unknown reason'}${death.queue === undefined ? '' : ` in ${death.queue}`}`;
  return {
    id: headerText(properties.messageId),
    type: headerText(properties.type) ?? routingKey?.replace(/^[^.]+\./, ''),
    endpoint: headerText(values[headers.endpoint]),
    account: headerText(values[headers.account]),
    livemode: booleanOf(values[headers.livemode]),
    routingKey,
    attempts: numberOf(values[headers.attempts]),
    error: parkedBy === 'worker' ? workerError : brokerError,
    errorCode: parkedBy === 'worker' ? headerText(values[headers.lastErrorCode]) : death?.reason,
    parkedAt: headerDate(values[headers.parkedAt]) ?? death?.time ?? headerDate(properties.timestamp),
    parkedBy,
  };
}

/** The machine-readable form of `dead-letters list --json`. */
export function parkedMessageJson(message: ParkedMessage): Record<string, unknown> {
  return { ...message, parkedAt: message.parkedAt?.toISOString() };
}

/** A `parked_events` row as an operator sees it. */
export function parkedMessageOfRecord(record: ParkedEventRecord): ParkedMessage {
  const routingKey = headerText(record.properties.headers === undefined ? undefined : (record.properties.headers as Headers)[headers.routingKey]);
  return {
    id: record.eventId ?? undefined,
    type: record.type ?? undefined,
    endpoint: record.endpoint ?? undefined,
    account: record.account ?? undefined,
    livemode: record.livemode ?? undefined,
    routingKey,
    attempts: record.attempts ?? undefined,
    error: record.lastError ?? undefined,
    errorCode: record.errorCode ?? undefined,
    parkedAt: record.parkedAt,
    parkedBy: record.reason === 'delivery-limit' ? 'broker' : record.reason === 'unknown' ? 'unknown' : 'worker',
  };
}

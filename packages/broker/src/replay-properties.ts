import type { Options } from 'amqplib';
import { headers, withoutBrokerManagedHeaders } from './message.ts';

/** Headers that describe the message's failed life; a replayed copy starts afresh without them (and without the broker's own). */
const failureHeaders = [
  headers.attempts,
  headers.lastError,
  headers.lastErrorCode,
  headers.parkedAt,
  headers.parkReason,
];

/** The AMQP properties of a parked message, as stored in `parked_events.properties`. */
export interface StoredProperties {
  readonly headers?: Record<string, unknown> | undefined;
  readonly [name: string]: unknown;
}

/** The properties of the copy sent back to the work queue: the original's, minus the failure, plus `x-replayed-at`. */
export function replayProperties(original: StoredProperties, replayedAt: Date): Options.Publish {
  const kept = withoutBrokerManagedHeaders(original.headers);
  for (const name of failureHeaders) Reflect.deleteProperty(kept, name);
  kept['x-replayed-at'] = replayedAt.toISOString();
  const properties: Options.Publish = { persistent: true, mandatory: true, headers: kept };
  const copied = ['messageId', 'type', 'timestamp', 'contentType', 'contentEncoding', 'correlationId', 'appId', 'priority'] as const;
  for (const name of copied) {
    const value: unknown = original[name];
    if (value !== undefined && value !== null) Object.assign(properties, { [name]: value });
  }
  return properties;
}

/** AMQP header values as amqplib decodes them, read back into plain values. */
export type HeaderValues = Record<string, unknown>;

/** A string header (amqplib may hand one over as a Buffer). */
export function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** An ISO 8601 string, an AMQP timestamp or Unix seconds, as a Date. */
export function headerDate(value: unknown): Date | undefined {
  if (typeof value === 'string') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  // amqplib decodes AMQP timestamps in headers as { '!': 'timestamp', value: seconds }.
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'number') return new Date(value.value * 1000);
  if (typeof value === 'number') return new Date(value * 1000);
  return undefined;
}

/** A dead-lettering the broker recorded in `x-death`. */
export interface BrokerDeath {
  readonly reason: string | undefined;
  readonly queue: string | undefined;
  readonly time: Date | undefined;
}

/** The most recent dead-lettering the broker recorded (the first entry of `x-death`). */
export function lastBrokerDeath(values: HeaderValues): BrokerDeath | undefined {
  const deaths = values['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return undefined;
  const first: unknown = deaths[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const death = first as HeaderValues;
  return { reason: headerText(death.reason), queue: headerText(death.queue), time: headerDate(death.time) };
}

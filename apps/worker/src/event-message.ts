import type { ConsumeMessage } from 'amqplib';
import type Stripe from 'stripe';
import { describeEnvelopeProblem, headers, stripeEventEnvelope, type Endpoint } from '@pipeline/broker';
import { PermanentError } from '@pipeline/core';
import type { LedgerEvent } from '@pipeline/db';

/** A delivered event, checked and ready for its command. */
export interface WorkerEvent extends LedgerEvent {
  /** The whole event as Stripe sent it. */
  readonly payload: Stripe.Event;
  /** Failed attempts before this delivery (the `x-attempts` header the worker sets). */
  readonly failedAttempts: number;
}

function endpointOf(message: ConsumeMessage, account: string | undefined): Endpoint {
  const header: unknown = message.properties.headers?.[headers.endpoint];
  if (header === 'platform' || header === 'connect') return header;
  // Published by something other than the ingest (an operator's replay): the envelope decides.
  return account === undefined ? 'platform' : 'connect';
}

/** Failed attempts recorded on a message; 0 for a first delivery. */
export function failedAttemptsOf(message: Pick<ConsumeMessage, 'properties'>): number {
  const value: unknown = message.properties.headers?.[headers.attempts];
  const attempts = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isInteger(attempts) && attempts > 0 ? attempts : 0;
}

/**
 * Reads a delivery as a Stripe event. A body that is not one can never be processed, so it
 * is a PermanentError: the message is parked for an operator, not retried or dropped.
 */
export function parseEventMessage(message: ConsumeMessage): WorkerEvent {
  let json: unknown;
  try {
    json = JSON.parse(message.content.toString('utf8'));
  } catch (err: unknown) {
    throw new PermanentError('the message body is not JSON', { cause: err });
  }
  const result = stripeEventEnvelope.safeParse(json);
  if (!result.success) {
    throw new PermanentError(`the message body is not a Stripe event (${describeEnvelopeProblem(result.error)})`);
  }
  const envelope = result.data;
  const account = envelope.account ?? undefined;
  return {
    id: envelope.id,
    type: envelope.type,
    endpoint: endpointOf(message, account),
    account,
    livemode: envelope.livemode,
    created: envelope.created,
    payload: json as Stripe.Event,
    failedAttempts: failedAttemptsOf(message),
  };
}

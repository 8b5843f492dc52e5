import type { MessageProperties } from 'amqplib';
import { headers, withoutBrokerManagedHeaders, type TopologyNames } from '@pipeline/broker';
import { trace, type Link, type Span } from '@opentelemetry/api';
import { describeError, eventAttributes, extractTraceContext, inSpan, inSpanSync, PipelineError, SpanKind, traceAttributes, type Logger } from '@pipeline/core';
import type { ParkedEventInput } from '@pipeline/db';
import type { Delivery } from './consumer.ts';
import { failedAttemptsOf, parseEventMessage, type WorkerEvent } from './event-message.ts';
import { decideOnFailure, type FailureDecision } from './failure-policy.ts';
import type { WorkerMetrics } from './metrics.ts';
import { parkedEventOf } from './parked-event.ts';
import type { ProcessEvent } from './process-event.ts';

export interface HandleDeliveryDeps {
  readonly processEvent: ProcessEvent;
  readonly recordFailure: (event: WorkerEvent, outcome: 'retrying' | 'failed', attempts: number, error: string) => Promise<void>;
  /** Records a parked event in `parked_events`; when it throws, the message goes to the dead queue instead. */
  readonly parkEvent: (event: ParkedEventInput) => Promise<unknown>;
  readonly names: TopologyNames;
  readonly retryDelaysMs: readonly number[];
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
}

/** The original message's properties, with the failure recorded in its headers. */
function copyWithFailure(properties: MessageProperties, decision: FailureDecision, err: unknown, malformed: boolean) {
  return {
    messageId: String(properties.messageId ?? 'unknown'),
    ...(properties.type === undefined ? {} : { type: String(properties.type) }),
    ...(properties.timestamp === undefined ? {} : { timestamp: Number(properties.timestamp) }),
    contentType: properties.contentType === undefined ? 'application/json' : String(properties.contentType),
    headers: {
      ...withoutBrokerManagedHeaders(properties.headers),
      [headers.attempts]: decision.attempts,
      [headers.lastError]: describeError(err).slice(0, 1_000),
      [headers.lastErrorCode]: err instanceof PipelineError ? err.code : 'UNEXPECTED',
      ...(decision.action === 'park' ? { [headers.parkedAt]: new Date().toISOString(), [headers.parkReason]: malformed ? 'malformed' : decision.reason } : {}),
    },
  };
}

/**
 * Settles one delivery: processed (or already processed, or nothing to do) → ack; failed →
 * a copy goes to the retry queue of the next delay, and only once the broker confirmed that
 * copy is the original acked. After the last attempt or a permanent error the event is
 * parked: written to `parked_events`, then acked; when the database cannot take it, a copy
 * goes to the dead queue (confirmed, then acked), which the drainer empties into the table
 * later. If even that fails the message is requeued: never dropped.
 */
export function makeHandleDelivery(deps: HandleDeliveryDeps) {
  const { metrics, names } = deps;

  /** Parks in PostgreSQL, else in the dead queue: the message is acked only once one of them holds it. */
  async function parkOrForward(delivery: Delivery, copy: ReturnType<typeof copyWithFailure>, deadTarget: { exchange: string; routingKey: string }, logger: Logger): Promise<void> {
    try {
      await deps.parkEvent(parkedEventOf(delivery.message.content, copy));
    } catch (parkErr: unknown) {
      logger.warn({ err: parkErr }, 'could not record the parked event; forwarding it to the dead queue');
      await delivery.forward(deadTarget, copy);
      return;
    }
    delivery.ack();
  }

  async function settleFailure(delivery: Delivery, event: WorkerEvent | undefined, failedBefore: number, err: unknown, logger: Logger): Promise<void> {
    const decision = decideOnFailure(err, failedBefore, deps.retryDelaysMs);
    const type = event?.type ?? 'unknown';
    const target =
      decision.action === 'retry'
        ? { exchange: names.retryExchange, routingKey: String(decision.delayMs) }
        : { exchange: names.deadExchange, routingKey: '' };
    const copy = copyWithFailure(delivery.message.properties, decision, err, event === undefined);
    try {
      if (decision.action === 'park') await parkOrForward(delivery, copy, target, logger);
      else await delivery.forward(target, copy);
    } catch (forwardErr: unknown) {
      logger.error({ err: forwardErr, cause: describeError(err) }, 'could not forward a failed message; requeued');
      delivery.requeue();
      return;
    }
    if (decision.action === 'retry') {
      metrics.retries.inc({ type });
      metrics.events.inc({ type, outcome: 'retrying' });
      logger.warn({ err, attempt: decision.attempts, retryInMs: decision.delayMs }, 'event failed, retry scheduled');
    } else {
      metrics.deadLetters.inc({ reason: event === undefined ? 'malformed' : decision.reason });
      metrics.events.inc({ type, outcome: 'parked' });
      logger.error({ err, attempt: decision.attempts, reason: decision.reason }, 'event parked');
    }
    if (event === undefined) return;
    // The copy is safe in the broker; the ledger row only informs operators.
    await deps.recordFailure(event, decision.action === 'retry' ? 'retrying' : 'failed', decision.attempts, describeError(err)).catch((recordErr: unknown) => {
      logger.warn({ err: recordErr }, 'could not record the failed attempt');
    });
  }

  /**
   * The consume span. A first delivery continues the webhook's trace (its `traceparent`) as a
   * child; a retry, a broker redelivery or an operator's replay starts a trace of its own,
   * linked to the original, so the original trace stays one webhook's story.
   */
  function consume(delivery: Delivery, work: (span: Span) => Promise<void>): Promise<void> {
    const { properties, fields } = delivery.message;
    const carried = extractTraceContext(properties.headers);
    const origin = trace.getSpanContext(carried);
    const again = fields.redelivered || failedAttemptsOf(delivery.message) > 0 || properties.headers?.['x-replayed-at'] !== undefined;
    const links: Link[] = again && origin !== undefined ? [{ context: origin, attributes: { 'pipeline.link': 'original' } }] : [];
    const routingKey = String(properties.headers?.[headers.routingKey] ?? fields.routingKey);
    return inSpan(
      `process ${routingKey}`,
      {
        kind: SpanKind.CONSUMER,
        parent: carried,
        root: again,
        links,
        attributes: { 'messaging.system': 'rabbitmq', 'messaging.operation.type': 'process', 'messaging.message.id': String(properties.messageId ?? ''), 'messaging.rabbitmq.destination.routing_key': routingKey, [traceAttributes.attempt]: failedAttemptsOf(delivery.message) + 1, 'pipeline.redelivered': fields.redelivered },
      },
      work,
    );
  }

  return function handleDelivery(delivery: Delivery): Promise<void> {
    return consume(delivery, (span) => handle(delivery, span));
  };

  async function handle(delivery: Delivery, span: Span): Promise<void> {
    let event: WorkerEvent;
    try {
      event = parseEventMessage(delivery.message);
    } catch (err: unknown) {
      const logger = deps.logger.child({ messageId: delivery.message.properties.messageId as unknown });
      span.setAttribute(traceAttributes.outcome, 'malformed');
      await settleFailure(delivery, undefined, failedAttemptsOf(delivery.message), err, logger);
      return;
    }
    span.setAttributes(eventAttributes(event));
    const logger = deps.logger.child({ eventId: event.id, eventType: event.type, account: event.account, attempt: event.failedAttempts + 1 });
    let outcome: string;
    try {
      ({ outcome } = await deps.processEvent(event, logger));
    } catch (err: unknown) {
      span.setAttribute(traceAttributes.outcome, 'failed');
      await settleFailure(delivery, event, event.failedAttempts, err, logger);
      return;
    }
    span.setAttribute(traceAttributes.outcome, outcome);
    inSpanSync('ack', () => {
      delivery.ack();
    });
    metrics.events.inc({ type: event.type, outcome });
    if (outcome === 'duplicate') metrics.duplicates.inc();
    if (outcome === 'stale') metrics.staleEvents.inc({ type: event.type });
    logger.info({ outcome }, 'event handled');
  }
}

import type { Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { eventMessageProperties, routingKeyOf, type Endpoint, type Publisher } from '@pipeline/broker';
import { eventAttributes, inSpan, inSpanSync, injectTraceContext, PublishError, SpanKind, traceAttributes, type LivemodePolicy } from '@pipeline/core';
import { parseEnvelope } from './event-envelope.ts';
import type { IngestMetrics } from './metrics.ts';
import { noteRequest } from './request-outcome.ts';
import { verifySignature } from './verify-signature.ts';

export interface ReceiveWebhookOptions {
  readonly endpoint: Endpoint;
  /** The endpoint's signing secrets; any of them may have signed (secret rolling). */
  readonly secrets: readonly string[];
  /** Accepted signature age in seconds (STRIPE_WEBHOOK_TOLERANCE_S). */
  readonly toleranceS: number;
  /** Which events are published (STRIPE_LIVEMODE); the others are answered 200 and dropped. */
  readonly livemode: LivemodePolicy;
  readonly publisher: Pick<Publisher, 'publishConfirmed'>;
  readonly metrics: Pick<IngestMetrics, 'publishDuration'>;
}

/** The answer Stripe gets with a 200. */
export interface WebhookReceipt {
  readonly received: true;
  readonly ignored?: 'livemode';
}

function processes(policy: LivemodePolicy, livemode: boolean): boolean {
  return policy === 'both' || (policy === 'live') === livemode;
}

/**
 * The handler of one webhook endpoint: signature first (nothing unauthenticated is parsed),
 * then the envelope, then the livemode policy, then a publish of the exact verified bytes,
 * answered only once the broker confirmed it. Every refusal is thrown for the error handler.
 */
export function createWebhookHandler(options: ReceiveWebhookOptions) {
  const { endpoint, publisher, metrics } = options;
  const route = `POST /webhooks/${endpoint}`;
  return function receiveWebhook(request: FastifyRequest): Promise<WebhookReceipt> {
    // One trace per event starts here; with tracing off these spans are the API's no-op ones.
    return inSpan(route, { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': `/webhooks/${endpoint}`, [traceAttributes.endpoint]: endpoint } }, (span) => receive(request, span));
  };

  async function receive(request: FastifyRequest, span: Span): Promise<WebhookReceipt> {
    // The parser hands a Buffer over; a POST without any body has none.
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    inSpanSync('signature check', () => {
      verifySignature(body, request.headers['stripe-signature'], options.secrets, options.toleranceS);
    });
    const event = parseEnvelope(body, endpoint);
    span.setAttributes(eventAttributes(event));
    // On the request's one line rather than a child logger per request: the hot path.
    noteRequest(request, { event: { eventId: event.id, eventType: event.type, account: event.account } });
    if (!processes(options.livemode, event.livemode)) {
      noteRequest(request, { outcome: 'ignored', reason: 'livemode' });
      span.setAttribute(traceAttributes.outcome, 'ignored');
      return { received: true, ignored: 'livemode' };
    }
    const routingKey = routingKeyOf(event);
    const published = metrics.publishDuration.startTimer();
    try {
      await inSpan(`publish ${routingKey}`, { kind: SpanKind.PRODUCER, attributes: { ...eventAttributes(event), 'messaging.system': 'rabbitmq', 'messaging.operation.type': 'send', 'messaging.rabbitmq.destination.routing_key': routingKey } }, async () => {
        const properties = eventMessageProperties(event);
        // The worker's consume span continues this trace (W3C traceparent in the headers).
        injectTraceContext(properties.headers);
        await publisher.publishConfirmed(routingKey, body, properties);
      });
    } catch (err: unknown) {
      published({ result: err instanceof PublishError ? err.code : 'error' });
      throw err;
    }
    published({ result: 'confirmed' });
    noteRequest(request, { outcome: 'published' });
    span.setAttribute(traceAttributes.outcome, 'published');
    return { received: true };
  }
}

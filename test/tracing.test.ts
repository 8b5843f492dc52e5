import type { AddressInfo } from 'node:net';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { eventMessageProperties, routingKeyOf } from '@pipeline/broker';
import { buildEvent, serializeEvent, signPayload, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, startStripeEmulator, waitFor, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import { ingestEnv, secrets, startIngest, type Ingest } from '../apps/ingest/test/harness.ts';
import { book, invoicePaidEvent, payableHostEvent, startTestWorker, workerEnv } from '../apps/worker/test/harness.ts';
import type { Worker } from '../apps/worker/src/worker.ts';

/**
 * One webhook, one trace (issue 14, part 3): real HTTP to the ingest, the real broker, a real
 * worker and the Stripe emulator, all in this process so that one in-memory exporter sees
 * the spans of both services. The SDK is registered the way the Node SDK registers it:
 * a global tracer provider, an AsyncLocalStorage context manager and the W3C propagator.
 */
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);

const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let ingest: Ingest;
let ingestUrl: string;
let worker: Worker;

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase), startStripeEmulator()]);
  ingest = await startIngest(ingestEnv(broker, services.rabbitmqUrl, { LOG_LEVEL: 'silent' }));
  await ingest.app.listen({ host: '127.0.0.1', port: 0 });
  ingestUrl = `http://127.0.0.1:${(ingest.app.server.address() as AddressInfo).port}`;
  worker = await startTestWorker(workerEnv({ broker, databaseUrl: db.url, emulator, rabbitmqUrl: services.rabbitmqUrl }));
});

afterAll(async () => {
  await worker.stop();
  await ingest.close();
  await Promise.all([broker.cleanup([300, 600]), db.drop(), emulator.stop()]);
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

beforeEach(() => {
  exporter.reset();
});

async function post(event: ReturnType<typeof buildEvent>): Promise<void> {
  const payload = serializeEvent(event);
  const endpoint = event.account ? 'connect' : 'platform';
  const response = await fetch(`${ingestUrl}/webhooks/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signPayload(payload, secrets[endpoint]) },
    body: payload,
  });
  expect(response.status).toBe(200);
}

async function outcomeOf(id: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ outcome: string }>('SELECT outcome FROM stripe_events WHERE id = $1', [id]);
  return rows[0]?.outcome;
}

/** The spans of the trace the event's webhook request started, once its worker acked. */
async function traceOf(eventId: string): Promise<ReadableSpan[]> {
  return waitFor(
    () => {
      const spans = exporter.getFinishedSpans();
      const request = spans.find((span) => span.kind === SpanKind.SERVER && span.attributes['stripe.event.id'] === eventId);
      if (request === undefined) return undefined;
      const inTrace = spans.filter((span) => span.spanContext().traceId === request.spanContext().traceId);
      return inTrace.some((span) => span.name === 'ack') ? inTrace : undefined;
    },
    { what: `the trace of ${eventId} to end with an ack` },
  );
}

const byName = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const found = spans.find((span) => span.name === name);
  if (found === undefined) throw new Error(`no span ${name} in ${spans.map((span) => span.name).join(', ')}`);
  return found;
};
const microsOf = ([seconds, nanos]: readonly [number, number]): number => seconds * 1e6 + Math.floor(nanos / 1e3);
const parentOf = (spans: ReadableSpan[], span: ReadableSpan): ReadableSpan | undefined =>
  spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId);

describe('one trace per event', () => {
  it('follows an invoice.paid from the HTTP request across the queue to the Stripe transfer and the ack, with the event on its spans', async () => {
    const hostEvent = payableHostEvent();
    const host = hostEvent.account!;
    await post(hostEvent);
    await waitFor(async () => (await outcomeOf(hostEvent.id)) === 'processed', { what: 'the host to be onboarded' });
    // A Connect event: its spans name the connected account.
    const hostTrace = await traceOf(hostEvent.id);
    for (const name of ['POST /webhooks/connect', 'process connect.account.updated']) {
      expect(byName(hostTrace, name).attributes).toMatchObject({ 'stripe.event.id': hostEvent.id, 'stripe.event.type': 'account.updated', 'stripe.account': host });
    }

    const customer = stripeId('cus');
    await book(db.pool, customer, host, 3, new Date(Date.now() - 86_400_000));
    const invoice = invoicePaidEvent(customer, 10_000);
    await post(invoice);
    await waitFor(async () => (await outcomeOf(invoice.id)) === 'processed', { what: 'the invoice to be processed' });
    const spans = await traceOf(invoice.id);

    // One connected trace: a single root (the HTTP request), every other span's parent in it.
    const roots = spans.filter((span) => parentOf(spans, span) === undefined);
    expect(roots.map((span) => span.name)).toEqual(['POST /webhooks/platform']);
    expect(roots[0]!.kind).toBe(SpanKind.SERVER);

    const request = byName(spans, 'POST /webhooks/platform');
    const signature = byName(spans, 'signature check');
    const publish = byName(spans, 'publish platform.invoice.paid');
    const consume = byName(spans, 'process platform.invoice.paid');
    const transaction = byName(spans, 'event transaction');
    const command = spans.find((span) => span.name.startsWith('command '))!;
    const transfer = byName(spans, 'stripe transfers.create');
    const ack = byName(spans, 'ack');
    expect(parentOf(spans, signature)).toBe(request);
    expect(parentOf(spans, publish)).toBe(request);
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    // Across the queue: the worker's span is the child of the publish, through `traceparent`.
    expect(parentOf(spans, consume)).toBe(publish);
    expect(consume.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(spans, transaction)).toBe(consume);
    expect(parentOf(spans, command)).toBe(transaction);
    expect(transfer.kind).toBe(SpanKind.CLIENT);
    expect(spans.filter((span) => span.name.startsWith('stripe ')).every((span) => parentOf(spans, span) === command)).toBe(true);
    expect(parentOf(spans, ack)).toBe(consume);
    // The ack comes after the commit (the transaction span's end); the SDK's start times are
    // anchored to the wall clock in whole milliseconds, hence the 1 ms of slack.
    expect(microsOf(ack.startTime)).toBeGreaterThanOrEqual(microsOf(transaction.endTime) - 1_000);

    const named = { 'stripe.event.id': invoice.id, 'stripe.event.type': 'invoice.paid' };
    for (const span of [request, publish, consume, transaction, command]) expect(span.attributes).toMatchObject(named);
    expect(consume.attributes).toMatchObject({ 'pipeline.outcome': 'processed', 'pipeline.attempt': 1 });
    expect(transfer.attributes).toMatchObject({ 'stripe.api.operation': 'transfers.create' });
  });

  it('gives a retried or replayed delivery a trace of its own, linked to the original', async () => {
    const original = '0af7651916cd43dd8448eb211c80319c';
    const event = buildEvent({ type: 'customer.subscription.created' });
    const envelope = { id: event.id, type: event.type, endpoint: 'platform' as const, account: undefined, livemode: event.livemode };
    const properties = eventMessageProperties(envelope);
    // As a retry copy carries it: the original webhook's traceparent, and one failed attempt.
    const headers = { ...properties.headers, traceparent: `00-${original}-b7ad6b7169203331-01`, 'x-attempts': 1 };
    const channel = await broker.connection.createConfirmChannel();
    channel.publish(broker.names.exchange, routingKeyOf(envelope), Buffer.from(serializeEvent(event)), { ...properties, headers });
    await channel.waitForConfirms();
    await channel.close();
    await waitFor(async () => (await outcomeOf(event.id)) === 'processed', { what: 'the retried event to be processed' });

    const consume = await waitFor(() => exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER && span.attributes['stripe.event.id'] === event.id), {
      what: 'the consume span',
    });
    expect(consume.spanContext().traceId).not.toBe(original);
    expect(consume.parentSpanContext).toBeUndefined();
    expect(consume.links.map((link) => link.context.traceId)).toEqual([original]);
    expect(consume.attributes).toMatchObject({ 'pipeline.attempt': 2 });
  });
});

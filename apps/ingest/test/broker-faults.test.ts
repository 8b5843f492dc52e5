import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestBroker, startTcpProxy, waitFor, type TcpProxy, type TestBroker } from '@pipeline/testkit';
import { ingestEnv, makeEvent, sampleValue, signedPost, startIngest, type Ingest } from './harness.ts';

const { rabbitmqUrl } = inject('services');

let broker: TestBroker;
let proxy: TcpProxy;
let ingest: Ingest | undefined;

beforeAll(async () => {
  broker = await createTestBroker(rabbitmqUrl);
  const target = new URL(rabbitmqUrl);
  proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5672) } });
});

afterEach(async () => {
  proxy.resume();
  proxy.delay(0);
  await ingest?.close();
  ingest = undefined;
});

afterAll(async () => {
  await proxy.close();
  await broker.cleanup();
});

/** An ingest whose broker connection goes through the proxy. */
async function startBehindProxy(overrides: Record<string, string> = {}, waitReady = true): Promise<Ingest> {
  ingest = await startIngest(ingestEnv(broker, proxy.url(rabbitmqUrl), overrides), { waitReady });
  return ingest;
}

async function readiness(app: Ingest['app']): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/readyz' })).statusCode;
}

describe('broker unreachable', () => {
  it('answers 503 with Retry-After while the broker is down at start, then publishes once it is back, without a restart', async () => {
    proxy.pause();
    const { app } = await startBehindProxy({ RETRY_AFTER_S: '7' }, false);
    const refused = makeEvent({ type: 'invoice.paid' });

    const whileDown = await app.inject(signedPost('platform', refused.payload));

    expect(whileDown.statusCode).toBe(503);
    expect(whileDown.headers['retry-after']).toBe('7');
    expect(whileDown.json()).toMatchObject({ error: 'BROKER_UNAVAILABLE' });
    expect(await readiness(app)).toBe(503);
    expect(sampleValue(await ingest!.scrape(), 'ingest_broker_ready', {})).toBe(0);

    proxy.resume();
    await waitFor(async () => (await readiness(app)) === 200, { what: '/readyz to turn 200' });
    const retried = await app.inject(signedPost('platform', refused.payload));

    expect(retried.statusCode).toBe(200);
    const messages = await broker.drain(broker.names.workQueue);
    expect(messages.map((message) => message.properties.messageId as string)).toEqual([refused.event.id]);
    expect(sampleValue(await ingest!.scrape(), 'ingest_webhook_requests_total', { endpoint: 'platform', outcome: 'unavailable', reason: 'BROKER_UNAVAILABLE' })).toBe(1);
  });

  it('answers 503 once the connection is lost mid-run, then recovers by itself', async () => {
    const { app } = await startBehindProxy();
    const before = makeEvent({ type: 'invoice.paid' });
    expect((await app.inject(signedPost('platform', before.payload))).statusCode).toBe(200);

    proxy.pause();
    await waitFor(async () => (await readiness(app)) === 503, { what: '/readyz to turn 503' });
    const during = makeEvent({ type: 'invoice.paid' });
    const refused = await app.inject(signedPost('platform', during.payload));

    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');

    proxy.resume();
    await waitFor(async () => (await readiness(app)) === 200, { what: '/readyz to turn 200 again' });
    const retried = await app.inject(signedPost('platform', during.payload));

    expect(retried.statusCode).toBe(200);
    const messages = await broker.drain(broker.names.workQueue, { max: 2 });
    expect(messages.map((message) => message.properties.messageId as string)).toEqual([before.event.id, during.event.id]);
  });

  it('reconnects after every connection was cut and publishes again', async () => {
    const { app, logs } = await startBehindProxy();
    const connectedLines = (): number => logs.lines().filter((line) => line.msg === 'broker connected').length;
    expect(connectedLines()).toBe(1);

    proxy.cut();
    await waitFor(() => connectedLines() === 2, { what: 'a second "broker connected"' });
    const after = makeEvent({ type: 'customer.subscription.created' });
    const response = await app.inject(signedPost('platform', after.payload));

    expect(response.statusCode).toBe(200);
    const messages = await broker.drain(broker.names.workQueue);
    expect(messages.map((message) => message.properties.messageId as string)).toEqual([after.event.id]);
  });
});

describe('a publish that gets no confirm', () => {
  it('answers 503 when the connection dies while the publish waits for its confirm', async () => {
    const { app, publisher } = await startBehindProxy();
    proxy.delay(200);

    const pending = app.inject(signedPost('platform', makeEvent({ type: 'invoice.paid' }).payload));
    await waitFor(() => publisher.inFlight === 1, { what: 'the publish to wait for its confirm' });
    proxy.pause();
    const response = await pending;

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(['NOT_CONFIRMED', 'BROKER_UNAVAILABLE']).toContain((response.json<{ error: string }>()).error);
  });

  it('answers 503 CONFIRM_TIMEOUT when the confirm takes longer than PUBLISH_TIMEOUT_MS', async () => {
    const { app } = await startBehindProxy({ PUBLISH_TIMEOUT_MS: '100' });
    proxy.delay(500);

    const response = await app.inject(signedPost('platform', makeEvent({ type: 'invoice.paid' }).payload));

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: 'CONFIRM_TIMEOUT' });
    // The broker may still store it: Stripe's retry makes a duplicate the worker drops by event id.
    proxy.delay(0);
    await broker.drain(broker.names.workQueue, { timeoutMs: 1_500 });
  });

  it('drops a connection whose confirms stopped coming, so the next requests fail fast and it reconnects by itself', async () => {
    const { app } = await startBehindProxy({ PUBLISH_TIMEOUT_MS: '200' });
    proxy.delay(60_000);

    const first = await app.inject(signedPost('platform', makeEvent({ type: 'invoice.paid' }).payload));
    expect(first.json()).toMatchObject({ error: 'CONFIRM_TIMEOUT' });
    // Not another full timeout each: the silent connection was given up at once.
    const next = await app.inject(signedPost('platform', makeEvent({ type: 'invoice.paid' }).payload));
    expect(next.json()).toMatchObject({ error: 'BROKER_UNAVAILABLE' });
    expect(await readiness(app)).toBe(503);

    proxy.delay(0);
    await waitFor(async () => (await readiness(app)) === 200, { timeoutMs: 15_000, what: 'a new connection' });
    const event = makeEvent({ type: 'invoice.paid' });
    expect((await app.inject(signedPost('platform', event.payload))).statusCode).toBe(200);
    const ids = (await broker.drain(broker.names.workQueue, { timeoutMs: 1_500 })).map((message) => message.properties.messageId as string);
    expect(ids).toContain(event.event.id);
  });
});

import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestBroker, waitFor, type TestBroker } from '@pipeline/testkit';
import { ingestEnv, makeEvent, sampleValue, startIngest, type Ingest } from './harness.ts';
import { getOnFreshConnection, postOnFreshConnection, trickleBody, trickleHeaders } from './raw-client.ts';

const { rabbitmqUrl } = inject('services');
const MiB = 1_048_576;

let broker: TestBroker;
let ingest: Ingest | undefined;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  broker = await createTestBroker(rabbitmqUrl);
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await ingest?.close();
  ingest = undefined;
  await broker.drain(broker.names.workQueue);
});

afterAll(async () => {
  await broker.cleanup();
});

/** A listening ingest with these settings; its port. */
async function listen(overrides: Record<string, string>): Promise<{ ingest: Ingest; port: number }> {
  ingest = await startIngest(ingestEnv(broker, rabbitmqUrl, overrides));
  await ingest.app.listen({ host: '127.0.0.1', port: 0 });
  return { ingest, port: (ingest.app.server.address() as net.AddressInfo).port };
}

async function gauge(running: Ingest, name: string): Promise<number> {
  return sampleValue(await running.scrape(), name, {});
}

describe('the connection cap', () => {
  it('answers a webhook beyond MAX_CONNECTIONS 503 with Retry-After and closes it, while probes still answer', async () => {
    const { ingest: running, port } = await listen({ MAX_CONNECTIONS: '3' });
    for (let i = 0; i < 3; i += 1) sockets.push(net.connect({ host: '127.0.0.1', port }).on('error', () => undefined));
    await waitFor(async () => (await gauge(running, 'ingest_open_connections')) === 3, { what: 'three idle connections' });
    const { payload } = makeEvent({ type: 'invoice.paid' });

    const refused = await postOnFreshConnection(port, payload);
    const probe = await getOnFreshConnection(port, '/healthz');

    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers.connection).toBe('close');
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'connection_limit' });
    expect(probe).toBe(200);
    expect(sampleValue(await running.scrape(), 'ingest_webhook_requests_total', { endpoint: 'platform', outcome: 'unavailable', reason: 'connection_limit' })).toBe(1);

    for (const socket of sockets.splice(0)) socket.destroy();
    await waitFor(async () => (await gauge(running, 'ingest_open_connections')) === 0, { what: 'the idle connections to be gone' });
    const accepted = await postOnFreshConnection(port, payload);
    expect(accepted.status).toBe(200);
  });

  it('drops connections beyond twice MAX_CONNECTIONS without an answer, so even the refusals cannot grow without bound', async () => {
    const { ingest: running, port } = await listen({ MAX_CONNECTIONS: '2' });
    for (let i = 0; i < 4; i += 1) sockets.push(net.connect({ host: '127.0.0.1', port }).on('error', () => undefined));
    await waitFor(async () => (await gauge(running, 'ingest_open_connections')) === 4, { what: 'four idle connections' });
    const { payload } = makeEvent({ type: 'invoice.paid' });

    const dropped = await postOnFreshConnection(port, payload).then(
      () => 'answered',
      (err: unknown) => (err as NodeJS.ErrnoException).code,
    );

    expect(dropped).toBe('ECONNRESET');
  });
});

describe('the unverified body budget', () => {
  it('answers 503 with Retry-After at once to a large body beyond MAX_UNVERIFIED_BODY_BYTES, keeps room for small events, and frees what the slow bodies held', async () => {
    // Bodies over 64 KiB may fill 3 of these 4 MiB: three slow 1 MiB bodies fill their share.
    const { ingest: running, port } = await listen({ MAX_UNVERIFIED_BODY_BYTES: String(4 * MiB) });
    const slow = [0, 1, 2].map(() => trickleBody({ port, declaredBytes: MiB, chunkBytes: 1024, intervalMs: 200 }));
    sockets.push(...slow.map((client) => client.socket));
    await waitFor(async () => (await gauge(running, 'ingest_unverified_body_bytes')) === 3 * MiB, { what: 'three slow bodies to be admitted' });

    const started = Date.now();
    const fourth = trickleBody({ port, declaredBytes: MiB, chunkBytes: 1024, intervalMs: 200 });
    sockets.push(fourth.socket);
    const refused = await fourth.answer;
    const refusedAfterMs = Date.now() - started;
    // A fast client gets the answer too, although its whole body is on its way.
    const fast = await postOnFreshConnection(port, ' '.repeat(MiB - 1));
    const { payload } = makeEvent({ type: 'invoice.paid' });
    const small = await postOnFreshConnection(port, payload);

    expect(refused.status).toBe(503);
    expect(refused.text).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(refused.text).toMatch(/"error":"body_budget"/);
    expect(refusedAfterMs).toBeLessThan(1_000);
    expect(fast.status).toBe(503);
    expect(fast.headers['retry-after']).toBe('5');
    expect(small.status).toBe(200);

    for (const client of slow) client.socket.destroy();
    await waitFor(async () => (await gauge(running, 'ingest_unverified_body_bytes')) === 0, { what: 'the slow bodies to release their bytes' });
  });
});

describe('the headers timeout', () => {
  it('cuts a client trickling its headers after HEADERS_TIMEOUT_MS with a 408, well before the request timeout', async () => {
    const { port } = await listen({ HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '5000' });
    const started = Date.now();

    const loris = trickleHeaders(port, 20);
    sockets.push(loris.socket);
    const answer = await loris.answer;

    expect(answer.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signPayload } from '@pipeline/stripe-events';
import { createTestBroker, sleep, waitFor, type TestBroker } from '@pipeline/testkit';
import { ingestEnv, makeEvent, sampleValue, secrets, startIngest, type Ingest } from './harness.ts';

const { rabbitmqUrl } = inject('services');

let broker: TestBroker;
let ingest: Ingest;
let port: number;

beforeAll(async () => {
  broker = await createTestBroker(rabbitmqUrl);
  ingest = await startIngest(ingestEnv(broker, rabbitmqUrl, { REQUEST_TIMEOUT_MS: '1000' }));
  await ingest.app.listen({ host: '127.0.0.1', port: 0 });
  port = (ingest.app.server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await ingest.close();
  await broker.cleanup();
});

/** A client that sends its headers, then its body one byte at a time, until the server hangs up. */
function trickle(payload: string): { socket: net.Socket; answer: Promise<{ received: string; bytesSent: number }> } {
  const socket = net.connect({ host: '127.0.0.1', port });
  let received = '';
  let bytesSent = 0;
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => {
    // The server's reset is what this client waits for.
  });
  const answer = new Promise<{ received: string; bytesSent: number }>((resolve) => {
    socket.on('close', () => {
      resolve({ received, bytesSent });
    });
  });
  socket.write(
    'POST /webhooks/platform HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(payload)}\r\nStripe-Signature: ${signPayload(payload, secrets.platform)}\r\n\r\n`,
  );
  void (async () => {
    for (const byte of Buffer.from(payload)) {
      if (socket.destroyed) return;
      socket.write(Buffer.of(byte));
      bytesSent += 1;
      await sleep(50);
    }
  })();
  return { socket, answer };
}

describe('a slow client', () => {
  it('is cut off with a 408 by the request timeout while a good request on another connection is answered', async () => {
    const slowPayload = makeEvent({ type: 'invoice.paid' }).payload;
    const slow = trickle(slowPayload);
    await sleep(100);
    expect(slow.socket.destroyed).toBe(false);

    const good = makeEvent({ type: 'invoice.paid' });
    const response = await fetch(`http://127.0.0.1:${port}/webhooks/platform`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(good.payload, secrets.platform) },
      body: good.payload,
    });
    const { received, bytesSent } = await slow.answer;

    expect(response.status).toBe(200);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(bytesSent).toBeLessThan(Buffer.byteLength(slowPayload) / 2);
    const messages = await broker.drain(broker.names.workQueue);
    expect(messages.map((message) => message.properties.messageId as string)).toEqual([good.event.id]);
    await waitFor(async () => sampleValue(await ingest.scrape(), 'ingest_webhook_requests_total', { endpoint: 'platform', outcome: 'aborted', reason: 'client_gone' }) === 1, {
      what: 'the cut-off request to be counted',
    });
  });

  it('is cut off when it opens a connection and sends nothing', async () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {
      // A reset is an acceptable way to be cut off.
    });
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
    });
    await new Promise((resolve) => socket.on('close', resolve));

    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });
});

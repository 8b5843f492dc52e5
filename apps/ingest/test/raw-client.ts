import http from 'node:http';
import net from 'node:net';
import { signPayload } from '@pipeline/stripe-events';
import { sleep } from '@pipeline/testkit';
import { secrets } from './harness.ts';

/** What a raw client saw before its connection closed. */
export interface RawAnswer {
  /** The status of the answer, or undefined when the connection closed without one. */
  readonly status: number | undefined;
  /** The answer's head and body as received. */
  readonly text: string;
  readonly bytesSent: number;
}

export interface TrickleOptions {
  readonly port: number;
  /** The Content-Length the client declares; it never sends that much. */
  readonly declaredBytes: number;
  /** Bytes sent per tick, and the pause between ticks. */
  readonly chunkBytes: number;
  readonly intervalMs: number;
}

/** The status in an HTTP/1.1 answer's first line. */
function statusOf(text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/**
 * A client that sends a webhook's headers at once, then trickles its body, until the server
 * answers or hangs up; then it closes its side.
 */
export function trickleBody(options: TrickleOptions): { socket: net.Socket; answer: Promise<RawAnswer> } {
  const socket = net.connect({ host: '127.0.0.1', port: options.port });
  let text = '';
  let bytesSent = 0;
  socket.setEncoding('latin1').on('data', (chunk: string) => {
    text += chunk;
  });
  // A reset or a write after the server's close is how this client is cut off.
  socket.on('error', () => undefined);
  // The server closed (after an answer or not): this side is done as well.
  socket.on('end', () => socket.destroy());
  const answer = new Promise<RawAnswer>((resolve) => {
    socket.on('close', () => {
      resolve({ status: statusOf(text), text, bytesSent });
    });
  });
  socket.write(
    'POST /webhooks/platform HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${options.declaredBytes}\r\nStripe-Signature: t=1,v1=${'0'.repeat(64)}\r\n\r\n`,
  );
  const chunk = Buffer.alloc(options.chunkBytes, 0x20);
  void (async () => {
    while (!socket.destroyed && bytesSent + chunk.length < options.declaredBytes && text === '') {
      socket.write(chunk);
      bytesSent += chunk.length;
      await sleep(options.intervalMs);
    }
  })();
  return { socket, answer };
}

/** A client that sends its request headers a byte at a time (a slow-loris). */
export function trickleHeaders(port: number, intervalMs: number): { socket: net.Socket; answer: Promise<RawAnswer> } {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  let bytesSent = 0;
  socket.setEncoding('latin1').on('data', (chunk: string) => {
    text += chunk;
  });
  socket.on('error', () => undefined);
  const answer = new Promise<RawAnswer>((resolve) => {
    socket.on('close', () => {
      resolve({ status: statusOf(text), text, bytesSent });
    });
  });
  const head = Buffer.from('POST /webhooks/platform HTTP/1.1\r\nHost: localhost\r\nX-Padding: ' + 'a'.repeat(10_000));
  void (async () => {
    for (const byte of head) {
      if (socket.destroyed) return;
      socket.write(Buffer.of(byte));
      bytesSent += 1;
      await sleep(intervalMs);
    }
  })();
  return { socket, answer };
}

/** One answer to a signed event posted on a connection of its own (no keep-alive reuse). */
export interface PostAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Posts `payload`, signed for the platform endpoint, on a fresh connection: a request that
 * must get in past whatever the other clients hold, as each of Stripe's deliveries does.
 */
export function postOnFreshConnection(port: number, payload: string, path = '/webhooks/platform'): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(payload),
          'stripe-signature': signPayload(payload, secrets.platform),
        },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** A GET on a fresh connection; its status. */
export function getOnFreshConnection(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
      })
      .on('error', reject);
  });
}

import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signPayload } from '@pipeline/stripe-events';
import { createTestBroker, type TestBroker } from '@pipeline/testkit';
import { ingestEnv, makeEvent, secrets, startIngest, type Ingest } from './harness.ts';

const { rabbitmqUrl } = inject('services');
// Small, so bodies on both sides of the limit stay cheap to generate.
const BODY_LIMIT_BYTES = 16_384;
const runs = { numRuns: 200, interruptAfterTimeLimit: 20_000 };

let broker: TestBroker;
let ingest: Ingest;

beforeAll(async () => {
  broker = await createTestBroker(rabbitmqUrl);
  ingest = await startIngest(ingestEnv(broker, rabbitmqUrl, { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) }));
});

afterAll(async () => {
  await ingest.close();
  await broker.cleanup();
});

/** A Stripe-style signature over raw bytes, which need not be text. */
function signBytes(body: Buffer, secret: string, timestamp: number): string {
  const hmac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `t=${timestamp},v1=${hmac}`;
}

const nowS = (): number => Math.floor(Date.now() / 1000);
const printable = fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZabctvxyz[]{}|~=,'.split('')), maxLength: 300 });
const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'.split('')), maxLength: 80 });

/** Signature headers from plain garbage to nearly right. */
const garbledSignature = fc.oneof(
  printable,
  fc.tuple(fc.integer({ min: -1, max: 2 ** 40 }), hex).map(([t, v1]) => `t=${t},v1=${v1}`),
  fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), hex, hex).map(([t, a, b]) => `v1=${a},t=${t},v0=${b}`),
  fc.tuple(fc.integer(), fc.integer()).map(([a, b]) => `t=${a},t=${b},v1=${'0'.repeat(64)}`),
  fc.constant(''),
);

const body = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 2 * BODY_LIMIT_BYTES }).map((bytes) => Buffer.from(bytes)) },
  { weight: 2, arbitrary: fc.json().map((text) => Buffer.from(text)) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 1, arbitrary: fc.integer({ min: BODY_LIMIT_BYTES - 2, max: BODY_LIMIT_BYTES * 3 }).map((size) => Buffer.alloc(size, 0x7b)) },
);

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain; charset=latin1', 'application/octet-stream', 'multipart/form-data; boundary=x', undefined);
const endpoint = fc.constantFrom('platform', 'connect');

async function post(path: string, payload: Buffer, headers: Record<string, string | undefined>): Promise<number> {
  const defined = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const response = await ingest.app.inject({ method: 'POST', url: `/webhooks/${path}`, headers: defined, payload });
  return response.statusCode;
}

describe('bad input', () => {
  it('answers 400 or 413 to any body with any garbled signature', async () => {
    await fc.assert(
      fc.asyncProperty(endpoint, body, garbledSignature, contentType, async (path, payload, signature, type) => {
        const status = await post(path, payload, { 'stripe-signature': signature, 'content-type': type });
        expect([400, 413]).toContain(status);
      }),
      runs,
    );
  });

  it('answers 400 or 413 to any body validly signed that is not an event, whatever its encoding', async () => {
    await fc.assert(
      fc.asyncProperty(endpoint, body, contentType, fc.integer({ min: -290, max: 60 }), async (path, payload, type, age) => {
        const status = await post(path, payload, { 'stripe-signature': signBytes(payload, secrets[path], nowS() - age), 'content-type': type });
        expect([400, 413]).toContain(status);
      }),
      runs,
    );
  });

  it('answers 400 to a real event signed at any time outside the tolerance, or with another secret', async () => {
    const { payload } = makeEvent({ type: 'invoice.paid' });
    expect(Buffer.byteLength(payload)).toBeLessThan(BODY_LIMIT_BYTES);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 1, max: nowS() - 301 }).map((timestamp) => signPayload(payload, secrets.platform, timestamp)),
          fc.string({ minLength: 1, maxLength: 40 }).map((tail) => signPayload(payload, `whsec_${tail}`)),
          fc.integer({ min: 0, max: payload.length - 1 }).map((at) => signPayload(payload.slice(0, at) + payload.slice(at + 1), secrets.platform)),
        ),
        async (signature) => {
          const status = await post('platform', Buffer.from(payload), { 'stripe-signature': signature, 'content-type': 'application/json' });
          expect(status).toBe(400);
        },
      ),
      runs,
    );
  });

  it('published none of it', async () => {
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
  });
});

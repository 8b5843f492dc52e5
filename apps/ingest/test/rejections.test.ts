import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serializeEvent, signPayload, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, type TestBroker } from '@pipeline/testkit';
import { ingestEnv, makeEvent, sampleValue, secrets, signedPost, startIngest, type Ingest, type PostOptions } from './harness.ts';

const { rabbitmqUrl } = inject('services');
const BODY_LIMIT_BYTES = 16_384;

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

const nowS = (): number => Math.floor(Date.now() / 1000);
const platformEvent = (): string => makeEvent({ type: 'invoice.paid' }).payload;

/** Each bad request, the reason code it must get, and how it is built. */
const cases: Array<{ name: string; endpoint: 'platform' | 'connect'; reason: string; payload: () => string; options?: (payload: string) => PostOptions }> = [
  { name: 'a signature made with another secret', endpoint: 'platform', reason: 'signature_mismatch', payload: platformEvent, options: () => ({ secret: secrets.connect }) },
  {
    name: 'a body changed after signing',
    endpoint: 'platform',
    reason: 'signature_mismatch',
    payload: platformEvent,
    options: (payload) => {
      const body = payload.replace('"amount_paid": 10000', '"amount_paid": 99999');
      if (body === payload) throw new Error('the sample invoice changed: nothing was tampered with');
      return { body };
    },
  },
  { name: 'a signature older than the tolerance', endpoint: 'platform', reason: 'timestamp_outside_tolerance', payload: platformEvent, options: () => ({ timestamp: nowS() - 301 }) },
  { name: 'no Stripe-Signature header', endpoint: 'platform', reason: 'signature_missing', payload: platformEvent, options: () => ({ signature: null }) },
  { name: 'a Stripe-Signature header without v1', endpoint: 'platform', reason: 'signature_malformed', payload: platformEvent, options: () => ({ signature: `t=${nowS()},v0=abc` }) },
  {
    name: 'a Stripe-Signature header with two timestamps',
    endpoint: 'platform',
    reason: 'signature_malformed',
    payload: platformEvent,
    options: () => ({ signature: `t=1,${signPayload('x', secrets.platform)}` }),
  },
  { name: 'a garbled Stripe-Signature header', endpoint: 'platform', reason: 'signature_malformed', payload: platformEvent, options: () => ({ signature: 'Bearer whatever' }) },
  { name: 'a validly signed body that is not JSON', endpoint: 'platform', reason: 'body_not_json', payload: () => 'id=evt_1&type=invoice.paid' },
  { name: 'a validly signed empty body', endpoint: 'platform', reason: 'body_empty', payload: () => '' },
  { name: 'validly signed JSON that is not an event', endpoint: 'platform', reason: 'not_a_stripe_event', payload: () => JSON.stringify({ id: 'cus_123', object: 'customer' }) },
  {
    name: 'a validly signed event without its data',
    endpoint: 'platform',
    reason: 'not_a_stripe_event',
    payload: () => JSON.stringify({ id: stripeId('evt'), object: 'event', type: 'invoice.paid', created: nowS(), livemode: false }),
  },
  {
    name: 'a Connect event posted to the platform endpoint',
    endpoint: 'platform',
    reason: 'account_unexpected',
    payload: () => makeEvent({ type: 'account.updated', account: stripeId('acct', 16) }).payload,
  },
  {
    name: 'a platform event posted to the Connect endpoint',
    endpoint: 'connect',
    reason: 'account_missing',
    payload: () => makeEvent({ type: 'invoice.paid' }).payload,
  },
];

describe('a request that cannot be accepted', () => {
  it.each(cases)('answers 400 $reason to $name and publishes nothing', async ({ endpoint, reason, payload, options }) => {
    const body = payload();
    const response = await ingest.app.inject(signedPost(endpoint, body, options?.(body)));

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: reason, message: expect.any(String) as string });
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
    const metrics = await ingest.scrape();
    expect(sampleValue(metrics, 'ingest_webhook_requests_total', { endpoint, outcome: 'rejected', reason })).toBeGreaterThanOrEqual(1);
  });

  it('answers 413 to a body over the limit, before reading it, and publishes nothing', async () => {
    const { event } = makeEvent({ type: 'customer.created' });
    const payload = serializeEvent({ ...event, padding: 'x'.repeat(BODY_LIMIT_BYTES) });

    const response = await ingest.app.inject(signedPost('platform', payload));

    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: 'body_too_large' });
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const payload = 'x'.repeat(BODY_LIMIT_BYTES + 1);
    const request = signedPost('platform', payload);

    const response = await ingest.app.inject({ ...request, headers: { ...request.headers, 'transfer-encoding': 'chunked' } });

    expect(response.statusCode).toBe(413);
  });

  it('answers 400, not 415, to an unsigned form post', async () => {
    const response = await ingest.app.inject({
      method: 'POST',
      url: '/webhooks/platform',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'signature_missing' });
  });

  it('answers 400 to a POST without any body or content type', async () => {
    const response = await ingest.app.inject({ method: 'POST', url: '/webhooks/connect', headers: { 'stripe-signature': signPayload('', secrets.connect) } });

    expect(response.statusCode).toBe(400);
  });

  it('answers 404 with a JSON reason to an unknown route', async () => {
    const response = await ingest.app.inject({ method: 'POST', url: '/webhooks/other', payload: '{}' });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/application\/json/);
  });

  it('still publishes a good event after all of the above, and only that one', async () => {
    const { event, payload } = makeEvent({ type: 'invoice.paid' });

    const response = await ingest.app.inject(signedPost('platform', payload));

    expect(response.statusCode).toBe(200);
    const messages = await broker.drain(broker.names.workQueue);
    expect(messages.map((message) => message.properties.messageId as string)).toEqual([event.id]);
  });

  it('never wrote a secret, a signature or a body to the logs', () => {
    const logs = ingest.logs.text();

    expect(ingest.logs.lines().filter((line) => line.msg === 'webhook handled').length).toBeGreaterThan(cases.length);
    for (const secret of Object.values(secrets)) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/v1=[0-9a-f]{64}/);
    expect(logs).not.toContain('amount_paid');
    expect(logs).not.toContain('whsec_');
  });
});

describe('WEBHOOK_IP_ALLOWLIST', () => {
  let guarded: Ingest;

  beforeAll(async () => {
    guarded = await startIngest(ingestEnv(broker, rabbitmqUrl, { WEBHOOK_IP_ALLOWLIST: '3.18.12.63, 10.0.0.0/8' }));
  });
  afterAll(async () => {
    await guarded.close();
  });

  it('answers 403 to an address outside the list, even with a valid signature', async () => {
    const response = await guarded.app.inject({ ...signedPost('platform', platformEvent()), remoteAddress: '192.0.2.7' });

    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'ip_not_allowed' });
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
  });

  it('accepts an address of the list, a subnet included', async () => {
    const fromSubnet = makeEvent({ type: 'invoice.paid' });

    const response = await guarded.app.inject({ ...signedPost('platform', fromSubnet.payload), remoteAddress: '10.20.30.40' });

    expect(response.statusCode).toBe(200);
    const messages = await broker.drain(broker.names.workQueue);
    expect(messages.map((message) => message.properties.messageId as string)).toEqual([fromSubnet.event.id]);
  });

  it('checks the address the trusted proxy saw when TRUST_PROXY_HOPS is set, and only then', async () => {
    const behindBalancer = await startIngest(ingestEnv(broker, rabbitmqUrl, { WEBHOOK_IP_ALLOWLIST: '3.18.12.63', TRUST_PROXY_HOPS: '1' }));
    const { event, payload } = makeEvent({ type: 'invoice.paid' });
    const viaBalancer = (forwardedFor: string) => {
      const request = signedPost('platform', payload);
      return { ...request, remoteAddress: '10.1.2.3', headers: { ...request.headers, 'x-forwarded-for': forwardedFor } };
    };
    try {
      const spoofed = await behindBalancer.app.inject(viaBalancer('3.18.12.63, 192.0.2.7'));
      const fromStripe = await behindBalancer.app.inject(viaBalancer('3.18.12.63'));
      const notTrusted = await guarded.app.inject({ ...viaBalancer('3.18.12.63'), remoteAddress: '192.0.2.7' });

      expect([spoofed.statusCode, fromStripe.statusCode, notTrusted.statusCode]).toEqual([403, 200, 403]);
      const messages = await broker.drain(broker.names.workQueue);
      expect(messages.map((message) => message.properties.messageId as string)).toEqual([event.id]);
    } finally {
      await behindBalancer.close();
    }
  });

  it('leaves the probes open to any address', async () => {
    const response = await guarded.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '192.0.2.7' });

    expect(response.statusCode).toBe(200);
  });
});

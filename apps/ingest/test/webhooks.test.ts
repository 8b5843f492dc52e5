import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stripeId } from '@pipeline/stripe-events';
import { createTestBroker, type TestBroker } from '@pipeline/testkit';
import { ingestEnv, makeEvent, sampleValue, secrets, signedPost, startIngest, type Ingest } from './harness.ts';

const { rabbitmqUrl } = inject('services');

let broker: TestBroker;
let ingest: Ingest;

beforeAll(async () => {
  broker = await createTestBroker(rabbitmqUrl);
  ingest = await startIngest(ingestEnv(broker, rabbitmqUrl));
});

afterAll(async () => {
  await ingest.close();
  await broker.cleanup();
});

describe('a valid signed event', () => {
  it('reaches the work queue byte for byte from the platform endpoint, with its properties', async () => {
    const { event, payload } = makeEvent({ type: 'invoice.paid' });
    const before = Math.floor(Date.now() / 1000);

    const response = await ingest.app.inject(signedPost('platform', payload));

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true });
    const [message, ...others] = await broker.drain(broker.names.workQueue);
    expect(others).toHaveLength(0);
    expect(message?.content.equals(Buffer.from(payload))).toBe(true);
    expect(message?.fields.routingKey).toBe('platform.invoice.paid');
    expect(message?.properties).toMatchObject({
      messageId: event.id,
      type: 'invoice.paid',
      contentType: 'application/json',
      deliveryMode: 2,
      headers: { endpoint: 'platform', livemode: false },
    });
    expect(message?.properties.headers).not.toHaveProperty('account');
    expect(message?.properties.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('reaches the work queue byte for byte from the Connect endpoint, with the account', async () => {
    const account = stripeId('acct', 16);
    const { event, payload } = makeEvent({ type: 'account.updated', account });

    const response = await ingest.app.inject(signedPost('connect', payload));

    expect(response.statusCode).toBe(200);
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.content.equals(Buffer.from(payload))).toBe(true);
    expect(message?.fields.routingKey).toBe('connect.account.updated');
    expect(message?.properties).toMatchObject({
      messageId: event.id,
      type: 'account.updated',
      contentType: 'application/json',
      deliveryMode: 2,
      headers: { endpoint: 'connect', account, livemode: false },
    });
  });

  it('keeps bytes a JSON round trip would change (unicode escapes, spacing, key order)', async () => {
    const { event } = makeEvent({ type: 'customer.created' });
    const payload = `{"type":"customer.created",   "id":"${event.id}","object":"event","created":${event.created},"livemode":false,` +
      `"data":{"object":{"id":"cus_1","name":"Ren\\u00e9e \u00c5ngstr\u00f6m \u{1F3E0}","email":null}}}\r\n`;

    const response = await ingest.app.inject(signedPost('platform', payload));

    expect(response.statusCode).toBe(200);
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.content.equals(Buffer.from(payload, 'utf8'))).toBe(true);
  });

  it('is accepted whatever its content type says, the signature being what counts', async () => {
    const { payload } = makeEvent({ type: 'invoice.payment_failed' });

    const response = await ingest.app.inject(signedPost('platform', payload, { contentType: 'text/plain' }));

    expect(response.statusCode).toBe(200);
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.content.toString('utf8')).toBe(payload);
  });
});

describe('secret rolling', () => {
  let rolling: Ingest;
  const oldSecret = 'whsec_test_platform_old_0a1b2c3d';
  const newSecret = 'whsec_test_platform_new_4e5f6a7b';

  beforeAll(async () => {
    rolling = await startIngest(ingestEnv(broker, rabbitmqUrl, { STRIPE_WEBHOOK_SECRET_PLATFORM: `${oldSecret}, ${newSecret}` }));
  });
  afterAll(async () => {
    await rolling.close();
  });

  it('accepts events signed with the old and with the new secret while both are configured', async () => {
    const signedWithOld = makeEvent({ type: 'customer.subscription.updated' });
    const signedWithNew = makeEvent({ type: 'customer.subscription.updated' });

    const answers = [
      await rolling.app.inject(signedPost('platform', signedWithOld.payload, { secret: oldSecret })),
      await rolling.app.inject(signedPost('platform', signedWithNew.payload, { secret: newSecret })),
      await rolling.app.inject(signedPost('platform', makeEvent({ type: 'invoice.paid' }).payload, { secret: secrets.platform })),
    ];

    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 400]);
    const messages = await broker.drain(broker.names.workQueue, { max: 3 });
    expect(messages.map((message) => message.properties.messageId as string).sort()).toEqual([signedWithOld.event.id, signedWithNew.event.id].sort());
  });
});

describe('STRIPE_LIVEMODE', () => {
  let liveOnly: Ingest;

  beforeAll(async () => {
    liveOnly = await startIngest(ingestEnv(broker, rabbitmqUrl, { STRIPE_LIVEMODE: 'live' }));
  });
  afterAll(async () => {
    await liveOnly.close();
  });

  it('answers 200 to an event of an ignored mode without publishing it, and counts it', async () => {
    const testEvent = makeEvent({ type: 'invoice.paid', livemode: false });
    const liveEvent = makeEvent({ type: 'invoice.paid', livemode: true });

    const ignored = await liveOnly.app.inject(signedPost('platform', testEvent.payload));
    const published = await liveOnly.app.inject(signedPost('platform', liveEvent.payload));

    expect(ignored.statusCode).toBe(200);
    expect(ignored.json()).toEqual({ received: true, ignored: 'livemode' });
    expect(published.statusCode).toBe(200);
    const messages = await broker.drain(broker.names.workQueue);
    expect(messages.map((message) => message.properties.messageId as string)).toEqual([liveEvent.event.id]);
    const metrics = await liveOnly.scrape();
    expect(sampleValue(metrics, 'ingest_webhook_requests_total', { endpoint: 'platform', outcome: 'ignored', reason: 'livemode' })).toBe(1);
    const logged = liveOnly.logs.lines().find((line) => line.eventId === testEvent.event.id && line.msg === 'webhook handled');
    expect(logged).toMatchObject({ outcome: 'ignored', reason: 'livemode', statusCode: 200 });
  });
});

describe('probes, metrics and logs', () => {
  it('says live and ready while the broker is reachable', async () => {
    const health = await ingest.app.inject({ method: 'GET', url: '/healthz' });
    const ready = await ingest.app.inject({ method: 'GET', url: '/readyz' });

    expect([health.statusCode, ready.statusCode]).toEqual([200, 200]);
  });

  it('counts published events and publish latency, and shows the broker as ready', async () => {
    const { payload } = makeEvent({ type: 'charge.succeeded' });
    await ingest.app.inject(signedPost('platform', payload));
    await broker.drain(broker.names.workQueue);

    const metrics = await ingest.scrape();

    expect(sampleValue(metrics, 'ingest_webhook_requests_total', { endpoint: 'platform', outcome: 'published', reason: 'none' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(metrics, 'ingest_publish_duration_seconds_count', { result: 'confirmed' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(metrics, 'ingest_broker_ready', {})).toBe(1);
    expect(sampleValue(metrics, 'ingest_publishes_in_flight', {})).toBe(0);
  });

  it('writes one line per webhook, with the event ids and without headers or body', async () => {
    const account = stripeId('acct', 16);
    const { event, payload } = makeEvent({ type: 'payout.failed', account });

    const response = await ingest.app.inject(signedPost('connect', payload));

    expect(response.statusCode).toBe(200);
    const lines = ingest.logs.lines().filter((line) => line.eventId === event.id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'webhook handled',
      level: 30,
      endpoint: 'connect',
      eventId: event.id,
      eventType: 'payout.failed',
      account,
      outcome: 'published',
      statusCode: 200,
    });
    expect(JSON.stringify(lines[0])).not.toContain('stripe-signature');
    expect(JSON.stringify(lines[0])).not.toContain('"data"');
    await broker.drain(broker.names.workQueue);
  });
});

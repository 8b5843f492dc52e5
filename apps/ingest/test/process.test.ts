import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signPayload } from '@pipeline/stripe-events';
import { createTestBroker, startApp, startTcpProxy, waitFor, type RunningProcess, type TcpProxy, type TestBroker } from '@pipeline/testkit';
import { ingestEnv, makeEvent, sampleValue, secrets } from './harness.ts';

const { rabbitmqUrl } = inject('services');
const entry = 'apps/ingest/src/main.ts';

describe('the ingest process', () => {
  let broker: TestBroker;
  let proxy: TcpProxy;
  let ingest: RunningProcess;
  let url: string;
  let metricsUrl: string;

  beforeAll(async () => {
    broker = await createTestBroker(rabbitmqUrl);
    const target = new URL(rabbitmqUrl);
    proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5672) } });
    ingest = startApp(entry, ingestEnv(broker, proxy.url(rabbitmqUrl), { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', PUBLISH_TIMEOUT_MS: '20000' }));
    const listening = await ingest.waitForLog((line) => line.msg === 'listening');
    url = listening.url as string;
    metricsUrl = listening.metricsUrl as string;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { what: 'the ingest to be ready' });
  });

  afterAll(async () => {
    await ingest.stop('SIGKILL');
    await proxy.close();
    await broker.cleanup();
  });

  async function post(path: string, payload: string, signature: string): Promise<Response> {
    return fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
      body: payload,
    });
  }

  it('logs a full http URL once listening', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves /metrics on its metrics listener and not on the public webhook port', async () => {
    const onWebhookPort = await fetch(`${url}/metrics`);
    const onMetricsPort = await fetch(`${metricsUrl}/metrics`);

    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(url);
    expect(onWebhookPort.status).toBe(404);
    expect(onMetricsPort.status).toBe(200);
    expect(await onMetricsPort.text()).toContain('ingest_webhook_requests_total');
  });

  it('serves a signed event over real HTTP and publishes its exact bytes', async () => {
    const { event, payload } = makeEvent({ type: 'invoice.paid' });

    const response = await post('/webhooks/platform', payload, signPayload(payload, secrets.platform));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.properties.messageId).toBe(event.id);
    expect(message?.content.equals(Buffer.from(payload))).toBe(true);
  });

  it('refuses a bad signature without writing the secret or the signature to its output', async () => {
    const { payload } = makeEvent({ type: 'invoice.paid' });
    const wrong = signPayload(payload, 'whsec_test_wrong_5d1e9c2a');

    const response = await post('/webhooks/platform', payload, wrong);

    expect(response.status).toBe(400);
    await ingest.waitForLog((line) => line.reason === 'signature_mismatch');
    expect(ingest.output()).not.toContain(secrets.platform);
    expect(ingest.output()).not.toContain(wrong.split('v1=')[1]);
  });

  it('answers a publish still waiting for its confirm when SIGTERM arrives, then exits 0', async () => {
    const { event, payload } = makeEvent({ type: 'customer.subscription.created' });
    proxy.delay(1_500);
    let answered = false;
    const pending = post('/webhooks/platform', payload, signPayload(payload, secrets.platform)).then((response) => {
      answered = true;
      return response;
    });
    await waitFor(async () => sampleValue(await (await fetch(`${metricsUrl}/metrics`)).text(), 'ingest_publishes_in_flight', {}) === 1, {
      what: 'the publish to wait for its confirm',
    });

    ingest.child.kill('SIGTERM');
    await ingest.waitForLog((line) => line.msg === 'shutting down');
    expect(answered).toBe(false);
    proxy.delay(0);
    const response = await pending;

    expect(response.status).toBe(200);
    expect(await ingest.exited).toBe(0);
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.properties.messageId).toBe(event.id);
    const order = ingest.logs.map((line) => line.msg);
    expect(order.indexOf('shutting down')).toBeLessThan(order.lastIndexOf('webhook handled'));
    expect(order.at(-1)).toBe('stopped');
  });
});

describe('a configuration mistake', () => {
  const base = {
    STRIPE_WEBHOOK_SECRET_PLATFORM: secrets.platform,
    STRIPE_WEBHOOK_SECRET_CONNECT: secrets.connect,
    RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
    PORT: '0',
  };
  const mistakes = [
    { name: 'a missing signing secret', variable: 'STRIPE_WEBHOOK_SECRET_CONNECT', env: { STRIPE_WEBHOOK_SECRET_CONNECT: '' } },
    { name: 'a RABBITMQ_URL that is not amqp', variable: 'RABBITMQ_URL', env: { RABBITMQ_URL: 'http://guest:hunter2secret@127.0.0.1:5672' } },
    { name: 'a PORT out of range', variable: 'PORT', env: { PORT: '70000' } },
    { name: 'a body budget smaller than two of the largest bodies', variable: 'MAX_UNVERIFIED_BODY_BYTES', env: { MAX_UNVERIFIED_BODY_BYTES: '1000' } },
    { name: 'a secret that does not start with whsec_', variable: 'STRIPE_WEBHOOK_SECRET_PLATFORM', env: { STRIPE_WEBHOOK_SECRET_PLATFORM: 'sk_test_fake_notasigningsecret42' } },
  ];

  it('stops the process at start with a message that names the variable, without a stack or a value', async () => {
    const runs = mistakes.map((mistake) => ({ mistake, run: startApp(entry, { ...base, ...mistake.env }) }));

    for (const { mistake, run } of runs) {
      const code = await run.exited;
      const output = run.output();
      expect(code, mistake.name).not.toBe(0);
      expect(output, mistake.name).toContain(mistake.variable);
      expect(output, mistake.name).not.toMatch(/\n\s+at /);
      for (const value of Object.values(mistake.env)) if (value !== '') expect(output, mistake.name).not.toContain(value);
      expect(output, mistake.name).not.toContain('hunter2secret');
      expect(output, mistake.name).not.toContain(secrets.platform);
    }
  });
});

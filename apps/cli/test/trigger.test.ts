import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestBroker, startApp, waitFor, type RunningProcess, type TestBroker } from '@pipeline/testkit';
import { oneErrorLine, runCli, secrets } from './cli.ts';

const { rabbitmqUrl } = inject('services');
let broker: TestBroker;
let ingest: RunningProcess;
let env: Record<string, string>;

beforeAll(async () => {
  broker = await createTestBroker(rabbitmqUrl);
  ingest = startApp('apps/ingest/src/main.ts', {
    RABBITMQ_URL: rabbitmqUrl,
    TOPOLOGY_PREFIX: broker.prefix,
    STRIPE_WEBHOOK_SECRET_PLATFORM: secrets.platform,
    STRIPE_WEBHOOK_SECRET_CONNECT: secrets.connect,
    PORT: '0',
    HOST: '127.0.0.1',
    // The ingest's /metrics listener: a free port, not the default 9463 a local stack may hold.
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  });
  const url = String((await ingest.waitForLog((line) => line.msg === 'listening')).url);
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { what: 'the ingest to be ready' });
  env = { INGEST_URL: url, STRIPE_WEBHOOK_SECRET_PLATFORM: secrets.platform, STRIPE_WEBHOOK_SECRET_CONNECT: secrets.connect };
});

afterAll(async () => {
  await ingest.stop();
  await broker.cleanup();
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('trigger', () => {
  it('posts a signed event the ingest accepts, prints 200, and the event reaches the work queue', async () => {
    const result = await runCli(['trigger', 'invoice.paid'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^200 OK$/m);
    const id = /sent (evt_\w+)/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.properties.messageId).toBe(id);
    expect(message?.fields.routingKey).toBe('platform.invoice.paid');
    expect(JSON.parse(message!.content.toString())).toMatchObject({ id, type: 'invoice.paid', object: 'event' });
  });

  it.each([
    ['charge.refunded', { object: 'charge', amount: 10_000, amount_refunded: 10_000, refunded: true }],
    ['charge.dispute.created', { object: 'dispute', amount: 10_000, status: 'needs_response' }],
    ['charge.dispute.closed', { object: 'dispute', amount: 10_000, status: 'lost' }],
    ['invoice.voided', { object: 'invoice', status: 'void' }],
    ['invoice.marked_uncollectible', { object: 'invoice', status: 'uncollectible' }],
  ])('sends %s, money flowing back, to the platform endpoint with the fields its command reads', async (type, fields) => {
    const result = await runCli(['trigger', type], env);

    expect(result.code).toBe(0);
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.fields.routingKey).toBe(`platform.${type}`);
    const object = (JSON.parse(message!.content.toString()) as { data: { object: Record<string, unknown> } }).data.object;
    expect(object).toMatchObject(fields);
    if (type.startsWith('charge.dispute.')) expect(object.charge).toMatch(/^ch_/);
  });

  it('sends a connect event for the given account to the connect endpoint', async () => {
    const result = await runCli(['trigger', 'account.updated', '--account', 'acct_1CliTestHost'], env);

    expect(result.code).toBe(0);
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.fields.routingKey).toBe('connect.account.updated');
    expect(message?.properties.headers).toMatchObject({ account: 'acct_1CliTestHost' });
  });

  it('sends a burst of --count events, each its own, and summarises by status', async () => {
    const result = await runCli(['trigger', 'customer.subscription.updated', '--count', '5', '--rate', '50'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/sent 5 events/);
    expect(result.stdout).toMatch(/^ {2}200 OK {2}5$/m);
    const messages = await broker.drain(broker.names.workQueue, { max: 5 });
    expect(new Set(messages.map((message) => message.properties.messageId as string)).size).toBe(5);
  });

  it('refuses an unknown event type in one line that lists the known ones', async () => {
    const result = await runCli(['trigger', 'invoice.exploded'], env);

    expect(result.code).not.toBe(0);
    const line = oneErrorLine(result);
    expect(line).toContain('unknown event type "invoice.exploded"');
    expect(line).toContain('invoice.paid');
    expect(line).toContain('customer.subscription.updated');
  });

  it('says in one line that the ingest is not running', async () => {
    const result = await runCli(['trigger', 'invoice.paid'], { ...env, INGEST_URL: `http://127.0.0.1:${await closedPort()}` });

    expect(result.code).not.toBe(0);
    expect(oneErrorLine(result)).toMatch(/cannot reach the ingest at http:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED .*\); is it running/);
  });

  it('names the missing secret variable and never prints a secret', async () => {
    // A remote ingest: a local one would be signed with the local stack's example secret (local-stack.test.ts).
    const result = await runCli(['trigger', 'payout.failed'], { INGEST_URL: 'https://ingest.example.com', STRIPE_WEBHOOK_SECRET_PLATFORM: secrets.platform });

    expect(result.code).not.toBe(0);
    expect(oneErrorLine(result)).toBe('error: invalid configuration: STRIPE_WEBHOOK_SECRET_CONNECT is required');
    expect(result.stderr + result.stdout).not.toContain(secrets.platform);
  });
});

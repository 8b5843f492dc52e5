import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signPayload } from '@pipeline/stripe-events';
import { createTestBroker, startApp, startTcpProxy, waitFor, type RunningProcess, type TcpProxy, type TestBroker } from '@pipeline/testkit';
import { ingestEnv, makeEvent, secrets } from './harness.ts';

const { rabbitmqUrl } = inject('services');
const entry = 'apps/ingest/src/main.ts';
/** Nothing listens on port 1: a connection there is refused at once, as a stopped node's would be. */
const deadAddress = 'amqp://guest:guest@127.0.0.1:1';

describe('an ingest process given several broker addresses', () => {
  let broker: TestBroker;
  let first: TcpProxy;
  let second: TcpProxy;
  const running: RunningProcess[] = [];

  beforeAll(async () => {
    broker = await createTestBroker(rabbitmqUrl);
    const target = new URL(rabbitmqUrl);
    [first, second] = await Promise.all([
      startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5672) } }),
      startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5672) } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(running.map((child) => child.stop('SIGKILL')));
    await Promise.all([first.close(), second.close()]);
    await broker.cleanup();
  });

  async function start(rabbitmqUrlList: string): Promise<string> {
    const child = startApp(entry, ingestEnv(broker, rabbitmqUrlList, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', PUBLISH_TIMEOUT_MS: '20000' }));
    running.push(child);
    const url = (await child.waitForLog((line) => line.msg === 'listening')).url as string;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { what: 'the ingest to be ready', timeoutMs: 20_000 });
    return url;
  }

  async function postAndExpectPublished(url: string): Promise<void> {
    const { event, payload } = makeEvent({ type: 'invoice.paid' });
    const response = await fetch(`${url}/webhooks/platform`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signPayload(payload, secrets.platform) },
      body: payload,
    });
    expect(response.status).toBe(200);
    const [message] = await broker.drain(broker.names.workQueue);
    expect(message?.properties.messageId).toBe(event.id);
  }

  it('connects through the second address when the first is dead, and publishes', async () => {
    const url = await start(`${deadAddress},${second.url(rabbitmqUrl)}`);

    await postAndExpectPublished(url);
  });

  it('moves to the next address when the node it is connected to goes down', async () => {
    const url = await start(`${first.url(rabbitmqUrl)},${second.url(rabbitmqUrl)}`);

    // The first "node" stops: its connections are reset and new ones refused until resumed.
    first.pause();
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 503, { what: 'the ingest to notice the lost node', timeoutMs: 20_000 });
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { what: 'the ingest to reconnect through the second address', timeoutMs: 20_000 });

    await postAndExpectPublished(url);
    first.resume();
  });
});

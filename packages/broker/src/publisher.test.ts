import type { ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLogger } from '@pipeline/core';
import { createTestBroker, startTcpProxy, type TestBroker } from '@pipeline/testkit';
import { publishAndConfirm } from './confirm-forward.ts';
import { eventMessageProperties, routingKeyOf, type EventEnvelope } from './message.ts';
import { createPublisher, type Publisher } from './publisher.ts';
import { createReturnTracker } from './return-tracker.ts';

const services = inject('services');
const logger = createLogger({ name: 'test', level: 'silent' });
let broker: TestBroker;
let publisher: Publisher;

const envelope = (id: string): EventEnvelope => ({ id, type: 'invoice.paid', endpoint: 'platform', account: undefined, livemode: false });

async function untilReady(candidate: Publisher): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!candidate.ready) {
    if (Date.now() > deadline) throw new Error('publisher never became ready');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  broker = await createTestBroker(services.rabbitmqUrl);
  publisher = await createPublisher({ url: services.rabbitmqUrl, names: broker.names, logger, connectionName: 'publisher-test' });
  await untilReady(publisher);
});

afterAll(async () => {
  await publisher.close();
  await broker.cleanup();
});

describe('createPublisher', () => {
  it('resolves once the broker holds the message in the work queue, with the contract properties', async () => {
    const event = envelope('evt_publisher_confirmed');
    await publisher.publishConfirmed(routingKeyOf(event), Buffer.from('{"id":"evt_publisher_confirmed"}'), eventMessageProperties(event));
    const [message] = await broker.drain(broker.names.workQueue, { max: 1 });
    expect(message?.properties.messageId).toBe('evt_publisher_confirmed');
    expect(message?.properties.deliveryMode).toBe(2);
    expect(message?.fields.routingKey).toBe('platform.invoice.paid');
    expect(publisher.inFlight).toBe(0);
  });

  it('rejects with UNROUTABLE when no queue is bound for the routing key, then publishes the same event once one is', async () => {
    const event = envelope('evt_publisher_unroutable');
    await broker.channel.unbindQueue(broker.names.workQueue, broker.names.exchange, '#');
    try {
      await expect(publisher.publishConfirmed(routingKeyOf(event), Buffer.from('{}'), eventMessageProperties(event))).rejects.toMatchObject({ code: 'UNROUTABLE' });
    } finally {
      await broker.channel.bindQueue(broker.names.workQueue, broker.names.exchange, '#');
    }
    // The return was counted against this id once: the retry of the same event is not failed by it.
    await publisher.publishConfirmed(routingKeyOf(event), Buffer.from('{}'), eventMessageProperties(event));
    expect(publisher.ready).toBe(true);
    await broker.drain(broker.names.workQueue, { max: 1 });
  });

  it('rejects at once with BROKER_UNAVAILABLE after close, without waiting for a timeout', async () => {
    const closed = await createPublisher({ url: services.rabbitmqUrl, names: broker.names, logger, confirmTimeoutMs: 60_000 });
    await untilReady(closed);
    await closed.close();
    const event = envelope('evt_publisher_closed');
    const started = Date.now();
    await expect(closed.publishConfirmed(routingKeyOf(event), Buffer.from('{}'), eventMessageProperties(event))).rejects.toMatchObject({ code: 'BROKER_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(closed.ready).toBe(false);
  });

  it('gives up a connection that stops answering after one confirm timeout, so the next publish fails at once', async () => {
    const target = new URL(services.rabbitmqUrl);
    const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5672) } });
    const silent = await createPublisher({ url: proxy.url(services.rabbitmqUrl), names: broker.names, logger, confirmTimeoutMs: 200 });
    try {
      await untilReady(silent);
      proxy.blackhole();
      const event = envelope('evt_publisher_silent');
      await expect(silent.publishConfirmed(routingKeyOf(event), Buffer.from('{}'), eventMessageProperties(event))).rejects.toMatchObject({ code: 'CONFIRM_TIMEOUT' });
      expect(silent.ready).toBe(false);
      const started = Date.now();
      await expect(silent.publishConfirmed(routingKeyOf(event), Buffer.from('{}'), eventMessageProperties(event))).rejects.toMatchObject({ code: 'BROKER_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(100);
    } finally {
      proxy.resume();
      await silent.close();
      await proxy.close();
      await broker.drain(broker.names.workQueue, { max: 1, timeoutMs: 500 });
    }
  });
});

describe('publishAndConfirm', () => {
  let channel: ConfirmChannel;
  let returns = createReturnTracker();

  beforeEach(async () => {
    channel = await broker.connection.createConfirmChannel();
    channel.on('error', () => undefined);
    returns = createReturnTracker();
    channel.on('return', returns.onReturn);
  });

  it('resolves once a copy sent to a queue through the default exchange is confirmed', async () => {
    await publishAndConfirm(channel, returns, { exchange: '', routingKey: broker.names.deadQueue }, Buffer.from('{}'), { messageId: 'evt_forward_ok' }, 5_000);
    const [message] = await broker.drain(broker.names.deadQueue, { max: 1 });
    expect(message?.properties.messageId).toBe('evt_forward_ok');
    expect(message?.properties.deliveryMode).toBe(2);
  });

  it('rejects with UNROUTABLE when nothing is bound for the routing key', async () => {
    await expect(
      publishAndConfirm(channel, returns, { exchange: 'amq.direct', routingKey: `${broker.prefix}nowhere` }, Buffer.from('{}'), { messageId: 'evt_forward_nowhere' }, 5_000),
    ).rejects.toMatchObject({ code: 'UNROUTABLE' });
  });

  it('rejects with BROKER_UNAVAILABLE on a closed channel', async () => {
    const closedChannel = await broker.connection.createConfirmChannel();
    await closedChannel.close();
    await expect(
      publishAndConfirm(closedChannel, returns, { exchange: '', routingKey: broker.names.deadQueue }, Buffer.from('{}'), { messageId: 'evt_forward_closed' }, 5_000),
    ).rejects.toMatchObject({ code: 'BROKER_UNAVAILABLE' });
  });

  it('tells the caller when no confirm came in time', async () => {
    let timedOut = false;
    // A timeout of 0 ms fires before any confirm can travel back from the broker.
    await expect(
      publishAndConfirm(channel, returns, { exchange: '', routingKey: broker.names.deadQueue }, Buffer.from('{}'), { messageId: 'evt_forward_slow' }, 0, {
        onTimeout: () => {
          timedOut = true;
        },
      }),
    ).rejects.toMatchObject({ code: 'CONFIRM_TIMEOUT' });
    expect(timedOut).toBe(true);
    await broker.drain(broker.names.deadQueue, { max: 1 });
  });
});

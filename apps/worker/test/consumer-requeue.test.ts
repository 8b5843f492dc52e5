import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { DELIVERY_LIMIT } from '@pipeline/broker';
import { createLogger } from '@pipeline/core';
import { createTestBroker, waitFor, type TestBroker } from '@pipeline/testkit';
import { startEventConsumer, type Delivery, type EventConsumer } from '../src/consumer.ts';

const services = inject('services');
let broker: TestBroker;
let consumer: EventConsumer | undefined;

beforeAll(async () => {
  broker = await createTestBroker(services.rabbitmqUrl);
});

afterEach(async () => {
  await consumer?.stop();
  consumer = undefined;
});

afterAll(async () => {
  await broker.cleanup();
});

async function consumeWith(handle: (delivery: Delivery) => Promise<void>): Promise<void> {
  consumer = await startEventConsumer({ url: services.rabbitmqUrl, names: broker.names, retryDelaysMs: [], prefetch: 1, logger: createLogger({ name: 'test', level: 'silent' }), handle });
  await waitFor(() => consumer?.ready === true, { what: 'the consumer' });
}

async function publishToWorkQueue(messageId: string): Promise<void> {
  const channel = await broker.connection.createConfirmChannel();
  try {
    channel.sendToQueue(broker.names.workQueue, Buffer.from('{}'), { messageId, persistent: true });
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
}

/**
 * A requeue must count toward the work queue's delivery limit, or a message that crashes
 * every worker would loop for ever. From RabbitMQ 4.3 only basic.reject counts (basic.nack
 * no longer does); on 3.10 both count, so there these tests pass with either, and they
 * tell the two apart on 4.3+.
 */
describe("the worker's requeue", () => {
  it('adds one to the x-delivery-count the broker reports', async () => {
    const counts: unknown[] = [];
    await consumeWith((delivery) => {
      counts.push(delivery.message.properties.headers?.['x-delivery-count'] ?? 0);
      if (counts.length === 1) delivery.requeue();
      else delivery.ack();
      return Promise.resolve();
    });
    await publishToWorkQueue('evt_requeue_count');
    await waitFor(() => counts.length === 2, { what: 'the requeued message back' });
    expect(Number(counts[1])).toBe(Number(counts[0]) + 1);
  });

  it('parks a message requeued again and again once it passes the delivery limit', async () => {
    await broker.channel.purgeQueue(broker.names.deadQueue);
    let deliveries = 0;
    await consumeWith((delivery) => {
      deliveries += 1;
      delivery.requeue();
      return Promise.resolve();
    });
    await publishToWorkQueue('evt_requeue_limit');
    await waitFor(async () => (await broker.depth(broker.names.deadQueue)) === 1, { timeoutMs: 10_000, what: 'the broker to park the message' });
    expect(deliveries).toBe(DELIVERY_LIMIT + 1);
  });

  it('leaves a parked message in the dead queue through more requeues than RabbitMQ 4.0\'s default limit of 20', async () => {
    await consumeWith(() => Promise.resolve()); // declares the topology
    await broker.channel.purgeQueue(broker.names.deadQueue);
    const channel = await broker.connection.createConfirmChannel();
    try {
      channel.sendToQueue(broker.names.deadQueue, Buffer.from('{"parked":true}'), { messageId: 'evt_dead_requeue', persistent: true });
      await channel.waitForConfirms();
      for (let look = 0; look < 25; look += 1) {
        let message = await channel.get(broker.names.deadQueue, { noAck: false });
        for (let tries = 0; message === false && tries < 100; tries += 1) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          message = await channel.get(broker.names.deadQueue, { noAck: false });
        }
        expect(message, `the parked message at look ${look + 1}`).not.toBe(false);
        if (message !== false) channel.reject(message, true);
      }
    } finally {
      await channel.close();
    }
    await waitFor(async () => (await broker.depth(broker.names.deadQueue)) === 1, { what: 'the parked message still there' });
  });
});

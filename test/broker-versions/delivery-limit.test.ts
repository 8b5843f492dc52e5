import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DELIVERY_LIMIT, declareTopology } from '@pipeline/broker';
import { createTestBroker, waitFor, type TestBroker } from '@pipeline/testkit';

/*
 * The RabbitMQ semantics the pipeline relies on that changed between 3.x and 4.x. This file
 * runs on whichever broker the run targets: the local one (`npm test`), RabbitMQ 4.0
 * (`npm run test:rabbitmq4`) or 3.10 (`npm run test:rabbitmq3`) in a container. On 4.x a
 * quorum queue without x-delivery-limit gets a default of 20, so the work queue must carry
 * its own limit, and the dead-lettering must still happen at that limit.
 */

const { rabbitmqUrl } = inject('services');

let broker: TestBroker;
let connection: ChannelModel;

beforeAll(async () => {
  broker = await createTestBroker(rabbitmqUrl);
  await declareTopology(broker.channel, broker.names);
  connection = await amqp.connect(rabbitmqUrl);
});

afterAll(async () => {
  await connection.close();
  await broker.cleanup();
});

async function publishToWorkQueue(body: string): Promise<void> {
  const channel = await connection.createConfirmChannel();
  channel.publish(broker.names.exchange, 'platform.invoice.paid', Buffer.from(body), { persistent: true, messageId: body });
  await channel.waitForConfirms();
  await channel.close();
}

/** Consumes the work queue, handing each delivery of `body` to `onDelivery`; others are left alone. */
async function consumeWorkQueue(body: string, onDelivery: (channel: Channel, message: ConsumeMessage) => void): Promise<() => Promise<void>> {
  const channel = await connection.createChannel();
  await channel.prefetch(1);
  await channel.consume(broker.names.workQueue, (message) => {
    if (message === null) return;
    if (message.content.toString() !== body) return;
    onDelivery(channel, message);
  });
  return () => channel.close().catch(() => undefined);
}

/** Takes the parked copy of `body` from the dead queue, waiting for the broker to dead-letter it. */
async function takeParked(body: string): Promise<amqp.GetMessage> {
  let parked: amqp.GetMessage | undefined;
  await waitFor(async () => {
    const messages = await broker.drain(broker.names.deadQueue, { timeoutMs: 200 });
    parked = messages.find((message) => message.content.toString() === body);
    return parked !== undefined;
  }, { timeoutMs: 20_000 });
  if (parked === undefined) throw new Error(`${body} never reached the dead queue`);
  return parked;
}

describe('the broker this run targets', () => {
  it('is the RabbitMQ version TEST_RABBITMQ_IMAGE names, when it names one', () => {
    const version = connection.connection.serverProperties.version;
    const tag = /:(\d+\.\d+(?:\.\d+)?)/.exec(process.env.TEST_RABBITMQ_IMAGE ?? '')?.[1];
    if (tag !== undefined) expect(version.startsWith(tag)).toBe(true);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('delivery limit on the work queue, on RabbitMQ 3.x and 4.x', () => {
  it('parks a poison message that kills every consumer holding it after DELIVERY_LIMIT + 1 deliveries', async () => {
    const body = 'poison-crash';
    await publishToWorkQueue(body);
    let deliveries = 0;
    // Each delivery's consumer dies without an ack, as a worker crashing on the message would.
    while (deliveries <= DELIVERY_LIMIT + 1) {
      const delivered = await new Promise<boolean>((resolve) => {
        let stop: (() => Promise<void>) | undefined;
        const timer = setTimeout(() => {
          void stop?.();
          resolve(false);
        }, 3_000);
        void consumeWorkQueue(body, (channel) => {
          clearTimeout(timer);
          deliveries += 1;
          void channel.close().catch(() => undefined);
          resolve(true);
        }).then((close) => {
          stop = close;
        });
      });
      if (!delivered) break;
    }
    const parked = await takeParked(body);
    expect(deliveries).toBe(DELIVERY_LIMIT + 1);
    expect(parked.properties.headers?.['x-first-death-reason']).toBe('delivery_limit');
    expect(await broker.depth(broker.names.workQueue)).toBe(0);
  });

  it('counts a reject with requeue toward the limit, so a message rejected again and again is parked', async () => {
    const body = 'poison-requeue';
    await publishToWorkQueue(body);
    let deliveries = 0;
    const stop = await consumeWorkQueue(body, (channel, message) => {
      deliveries += 1;
      channel.reject(message, true);
    });
    const parked = await takeParked(body);
    await stop();
    expect(deliveries).toBe(DELIVERY_LIMIT + 1);
    expect(parked.properties.headers?.['x-first-death-reason']).toBe('delivery_limit');
  });
});

describe('queue arguments, on RabbitMQ 3.x and 4.x', () => {
  it('stores the delivery limit as an explicit queue argument: a declaration without it is refused 406, naming the limit', async () => {
    // Without an explicit argument 4.x would apply its default (20) and accept this redeclare.
    const channel = await connection.createChannel();
    const closed = new Promise<unknown>((resolve) => channel.once('error', resolve));
    const redeclare = channel.assertQueue(broker.names.workQueue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
        'x-dead-letter-exchange': broker.names.deadExchange,
      },
    });
    await expect(redeclare).rejects.toThrow(new RegExp(`PRECONDITION_FAILED.*'x-delivery-limit'.*'${DELIVERY_LIMIT}'`));
    await closed;
  });

  it('accepts the same declaration again, as every process makes on every reconnect', async () => {
    await expect(declareTopology(broker.channel, broker.names)).resolves.toBeUndefined();
    const { queue } = await broker.channel.checkQueue(broker.names.workQueue);
    expect(queue).toBe(broker.names.workQueue);
  });
});

import type { ConsumeMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { declareTopology, eventMessageProperties } from '@pipeline/broker';
import { createLogger, PermanentError } from '@pipeline/core';
import type { ParkedEventInput } from '@pipeline/db';
import { buildEvent, serializeEvent } from '@pipeline/stripe-events';
import { createTestBroker, waitFor, type TestBroker } from '@pipeline/testkit';
import type { Delivery } from '../src/consumer.ts';
import { startDeadQueueDrainer, type DeadQueueDrainer } from '../src/dead-queue-drainer.ts';
import { makeHandleDelivery } from '../src/handle-delivery.ts';
import { createWorkerMetrics } from '../src/metrics.ts';

const services = inject('services');
const logger = createLogger({ name: 'test', level: 'silent' });
let broker: TestBroker;
let drainer: DeadQueueDrainer | undefined;

beforeAll(async () => {
  broker = await createTestBroker(services.rabbitmqUrl);
  await declareTopology(broker.channel, broker.names);
});

afterEach(async () => {
  await drainer?.stop();
  drainer = undefined;
});

afterAll(async () => {
  await broker.cleanup();
});

describe('parking when the database is down', () => {
  it('forwards the event to the dead queue with a confirm instead, and acks only then', async () => {
    const event = buildEvent({ type: 'invoice.paid' });
    const properties = eventMessageProperties({ id: event.id, type: event.type, endpoint: 'platform', account: undefined, livemode: false });
    const settled: string[] = [];
    const delivery: Delivery = {
      message: { content: Buffer.from(serializeEvent(event)), fields: {}, properties: { ...properties, headers: properties.headers } } as unknown as ConsumeMessage,
      ack: () => settled.push('ack'),
      requeue: () => settled.push('requeue'),
      forward: (target) => {
        settled.push(`forward to ${target.exchange}`);
        return Promise.resolve();
      },
    };
    const handle = makeHandleDelivery({
      processEvent: () => Promise.reject(new PermanentError('the invoice names no customer')),
      recordFailure: () => Promise.resolve(),
      parkEvent: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
      names: broker.names,
      retryDelaysMs: [],
      metrics: createWorkerMetrics({ ready: () => true, inFlight: () => 0, databaseUp: () => true }),
      logger,
    });

    await handle(delivery);

    expect(settled).toEqual([`forward to ${broker.names.deadExchange}`]);
  });

  it('drains a dead-queue message once the database takes it, holding it meanwhile rather than requeueing it', async () => {
    const seen: ParkedEventInput[] = [];
    drainer = await startDeadQueueDrainer({
      url: services.rabbitmqUrl,
      names: broker.names,
      logger,
      retryDelayMs: 50,
      parkEvent: (parked) => {
        seen.push(parked);
        return seen.length <= 2 ? Promise.reject(new Error('the database is down')) : Promise.resolve(true);
      },
    });
    await waitFor(() => drainer?.ready === true, { what: 'the drainer' });
    const channel = await broker.connection.createConfirmChannel();
    try {
      channel.publish(broker.names.deadExchange, '', Buffer.from('{"parked":true}'), { messageId: 'evt_held', headers: { 'x-last-error': 'boom', 'x-parked-at': new Date().toISOString() } });
      await channel.waitForConfirms();
    } finally {
      await channel.close();
    }

    await waitFor(() => seen.length === 3, { what: 'the third insert attempt' });
    await waitFor(async () => (await broker.depth(broker.names.deadQueue)) === 0, { what: 'the message acked' });
    // Held, never requeued: every attempt saw the one delivery (a requeue would add to the count).
    const counts = seen.map((parked) => Number((parked.properties.headers as Record<string, unknown> | undefined)?.['x-delivery-count'] ?? 0));
    expect(new Set(counts).size).toBe(1);
    expect(seen.every((parked) => parked.body.toString() === '{"parked":true}' && parked.eventId === 'evt_held')).toBe(true);
  });
});

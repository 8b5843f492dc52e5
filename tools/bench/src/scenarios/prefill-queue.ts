import { eventMessageProperties, routingKeyOf, type EventEnvelope } from '@pipeline/broker';
import { makeEventBody, benchEventType } from '../load/payload-pool.ts';
import { publishWindowed } from '../load/publish-window.ts';
import type { BenchServices } from '../system/bench-services.ts';

/**
 * Publishes `count` distinct `customer.subscription.created` events the way the ingest
 * does (same exchange, routing key, properties and body), confirmed, while no worker runs.
 * Resolves once the work queue holds all of them.
 */
export async function prefillWorkQueue(services: BenchServices, count: number): Promise<void> {
  const channel = await services.broker.connection.createConfirmChannel();
  try {
    const result = await publishWindowed(channel, {
      window: 64,
      more: (published) => published < count,
      message: () => {
        const { id, body } = makeEventBody();
        const envelope: EventEnvelope = { id, type: benchEventType, endpoint: 'platform', account: undefined, livemode: false };
        return { exchange: services.broker.names.exchange, routingKey: routingKeyOf(envelope), content: Buffer.from(body), properties: eventMessageProperties(envelope) };
      },
    });
    if (result.nacked > 0) throw new Error(`the broker refused ${result.nacked} of ${count} pre-filled events`);
  } finally {
    await channel.close();
  }
  const depth = await services.broker.depth(services.broker.names.workQueue);
  if (depth !== count) throw new Error(`the work queue holds ${depth} messages after pre-filling ${count}`);
}

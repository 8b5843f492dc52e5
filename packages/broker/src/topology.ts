import type { Channel } from 'amqplib';

/**
 * The broker names operators and autoscalers rely on. Changing one is a breaking change.
 * `prefix` (TOPOLOGY_PREFIX, empty by default) lets several deployments or test runs share
 * one broker: `staging.` gives `staging.stripe.events`.
 */
export interface TopologyNames {
  /** Durable topic exchange every event is published to, routing key `<endpoint>.<type>`. */
  readonly exchange: string;
  /** Durable quorum queue the workers consume, bound to `exchange` with `#`. */
  readonly workQueue: string;
  /** Direct exchange feeding the retry delay queues; routing key is the delay in ms. */
  readonly retryExchange: string;
  /** Fanout exchange for parked messages. */
  readonly deadExchange: string;
  /** Durable quorum queue where parked messages wait for an operator. */
  readonly deadQueue: string;
  /** The delay queue for one retry delay. */
  retryQueue(delayMs: number): string;
}

export function topologyNames(prefix = ''): TopologyNames {
  const base = `${prefix}stripe.events`;
  return {
    exchange: base,
    workQueue: `${base}.work`,
    retryExchange: `${base}.retry`,
    deadExchange: `${base}.dead`,
    deadQueue: `${base}.dead`,
    retryQueue: (delayMs) => `${base}.retry.${delayMs}ms`,
  };
}

/**
 * A message redelivered this many times without an ack (a worker crashed or was killed
 * while holding it) is parked by the broker itself. Part of the queue's identity: changing
 * it means a policy, not a new declaration.
 */
export const DELIVERY_LIMIT = 5;

/**
 * Quorum queues that dead-letter "at least once": the broker keeps a message until the
 * dead-letter target confirms it, which requires `reject-publish` overflow.
 */
const safeDeadLettering = {
  'x-queue-type': 'quorum',
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

/**
 * Declares the whole topology. Idempotent: every process calls it on every (re)connect.
 * `retryDelaysMs` adds one delay queue per delay; processes that do not retry pass none.
 */
export async function declareTopology(
  channel: Channel,
  names: TopologyNames,
  retryDelaysMs: readonly number[] = [],
): Promise<void> {
  await channel.assertExchange(names.exchange, 'topic', { durable: true });
  await channel.assertExchange(names.deadExchange, 'fanout', { durable: true });
  await channel.assertQueue(names.deadQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(names.deadQueue, names.deadExchange, '');
  await channel.assertQueue(names.workQueue, {
    durable: true,
    arguments: {
      ...safeDeadLettering,
      'x-delivery-limit': DELIVERY_LIMIT,
      'x-dead-letter-exchange': names.deadExchange,
    },
  });
  await channel.bindQueue(names.workQueue, names.exchange, '#');
  if (retryDelaysMs.length === 0) return;
  await channel.assertExchange(names.retryExchange, 'direct', { durable: true });
  for (const delayMs of retryDelaysMs) {
    const queue = names.retryQueue(delayMs);
    // A waiting message expires after its delay and is dead-lettered straight back onto
    // the work queue through the default exchange.
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        ...safeDeadLettering,
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': names.workQueue,
      },
    });
    await channel.bindQueue(queue, names.retryExchange, String(delayMs));
  }
}

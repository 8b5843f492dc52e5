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
 * The dead queue's delivery limit: in effect none. RabbitMQ 4.0 gives every quorum queue a
 * limit of 20 when none is set, and drops a message past it when the queue has no
 * dead-letter target, as the dead queue has not. `-1` means "unlimited" only from 4.0: on
 * 3.10 a limit of -1 drops a message at its first requeue (tried on 3.10: the message was
 * gone after one `basic.reject` with requeue). A large explicit number means the same on
 * both. The drainer never requeues (it holds a message until PostgreSQL took it), so only
 * a drainer's lost connection counts a delivery.
 */
export const DEAD_QUEUE_DELIVERY_LIMIT = 1_000_000;

/**
 * Quorum queues that dead-letter "at least once": the broker keeps a message until the
 * dead-letter target confirms it, which requires `reject-publish` overflow.
 *
 * Quorum-queue arguments checked for a default that differs between RabbitMQ 3.x and 4.x
 * (docs/operations.md, "Queue arguments"): `x-delivery-limit` (none on 3.x, 20 on 4.0+)
 * is set on every queue. `x-overflow` (drop-head) and `x-dead-letter-strategy`
 * (at-most-once) have the same defaults on both and are set where we need another value.
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
  await channel.assertQueue(names.deadQueue, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': DEAD_QUEUE_DELIVERY_LIMIT },
  });
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
        // Nobody consumes a delay queue; set anyway so 3.x and 4.x declare the same queue.
        'x-delivery-limit': DELIVERY_LIMIT,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': names.workQueue,
      },
    });
    await channel.bindQueue(queue, names.retryExchange, String(delayMs));
  }
}

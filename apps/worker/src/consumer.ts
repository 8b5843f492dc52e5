import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { connectClient, createReturnTracker, declareTopology, publishAndConfirm, restartOnChannelLoss, type BrokerClientOptions, type ReturnTracker } from '@pipeline/broker';

/** One message in a worker's hands, settled exactly one way. */
export interface Delivery {
  readonly message: ConsumeMessage;
  /** The broker forgets the message. */
  ack(): void;
  /**
   * The message goes back to the queue (and counts towards the queue's delivery limit):
   * `basic.reject`, because from RabbitMQ 4.3 a `basic.nack` no longer counts, and a
   * message that crashes every worker must still reach the limit and be parked.
   */
  requeue(): void;
  /** Publishes a replacement copy, waits for the broker's confirm, then acks this one. */
  forward(target: { exchange: string; routingKey: string }, options: Options.Publish & { messageId: string }): Promise<void>;
}

export interface EventConsumer {
  /** True while connected and consuming. */
  readonly ready: boolean;
  /** Messages being handled now. */
  readonly inFlight: number;
  /** Stops taking messages, lets in-flight ones finish (up to `drainTimeoutMs`), closes the connection. */
  stop(): Promise<void>;
}

export interface EventConsumerOptions extends BrokerClientOptions {
  readonly retryDelaysMs: readonly number[];
  /** Unacknowledged messages held at once. */
  readonly prefetch: number;
  /** Settles every delivery through the Delivery it is given; should not throw. */
  readonly handle: (delivery: Delivery) => Promise<void>;
  /** How long a forward waits for its confirm; default 10000 ms. */
  readonly confirmTimeoutMs?: number;
  /** How long stop() waits for in-flight messages; default 30000 ms. */
  readonly drainTimeoutMs?: number;
}

interface Session {
  readonly consume: Channel;
  readonly publish: ConfirmChannel;
  readonly returns: ReturnTracker;
  /** Set once the broker answered basic.consume; deliveries may arrive before that. */
  consumerTag: string | undefined;
}

/**
 * Consumes the work queue with manual acks on its own channel, and forwards retries and
 * parked messages on a confirm channel of the same connection. Both channels, the topology
 * and the consumer are set up again after every reconnect (amqplib's recovery). A message
 * whose channel died before it was settled is redelivered by the broker; the dedup ledger
 * makes that harmless.
 */
export async function startEventConsumer(options: EventConsumerOptions): Promise<EventConsumer> {
  const { logger, names } = options;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  let session: Session | undefined;
  let stopping = false;
  let inFlight = 0;
  const idle: Array<() => void> = [];

  function settleSafely(what: string, settle: () => void): void {
    try {
      settle();
    } catch (err: unknown) {
      // The channel is gone: the broker redelivers the message to someone.
      logger.warn({ err }, `${what} failed on a closed channel; the broker will redeliver`);
    }
  }

  function deliveryOf(message: ConsumeMessage, current: Session): Delivery {
    return {
      message,
      ack: () => {
        settleSafely('ack', () => {
          current.consume.ack(message);
        });
      },
      requeue: () => {
        settleSafely('requeue', () => {
          current.consume.reject(message, true);
        });
      },
      forward: async (target, publishOptions) => {
        await publishAndConfirm(current.publish, current.returns, target, message.content, publishOptions, confirmTimeoutMs);
        settleSafely('ack', () => {
          current.consume.ack(message);
        });
      },
    };
  }

  async function run(message: ConsumeMessage, current: Session): Promise<void> {
    inFlight += 1;
    try {
      await options.handle(deliveryOf(message, current));
    } catch (err: unknown) {
      logger.error({ err, messageId: message.properties.messageId as unknown }, 'message handler failed; requeueing');
      settleSafely('requeue', () => {
        current.consume.reject(message, true);
      });
    } finally {
      inFlight -= 1;
      if (inFlight === 0) for (const wake of idle.splice(0)) wake();
    }
  }

  async function setup(model: ChannelModel): Promise<void> {
    const publish = await model.createConfirmChannel();
    await declareTopology(publish, names, options.retryDelaysMs);
    const returns = createReturnTracker();
    publish.on('return', returns.onReturn);
    const consume = await model.createChannel();
    await consume.prefetch(options.prefetch);
    for (const channel of [publish, consume]) {
      channel.on('error', (err: Error) => {
        logger.warn({ err }, 'worker channel error');
      });
      restartOnChannelLoss(model, logger, channel, () => stopping);
    }
    if (stopping) return;
    const current: Session = { consume, publish, returns, consumerTag: undefined };
    const { consumerTag } = await consume.consume(
      names.workQueue,
      (message) => {
        if (message === null) {
          // The broker cancelled us (queue deleted): reconnect, which declares it again.
          logger.warn('consumer cancelled by the broker, reconnecting');
          model.close().catch(() => undefined);
          return;
        }
        void run(message, current);
      },
      { noAck: false },
    );
    current.consumerTag = consumerTag;
    session = current;
    logger.info({ queue: names.workQueue, prefetch: options.prefetch }, 'consuming');
  }

  const connection = await connectClient(options, { connectionName: 'worker' }, { onConnect: setup, onDisconnect: () => (session = undefined) });

  return {
    get ready() {
      return connection.connected && session !== undefined && !stopping;
    },
    get inFlight() {
      return inFlight;
    },
    async stop() {
      stopping = true;
      const current = session;
      if (current?.consumerTag !== undefined) {
        await current.consume.cancel(current.consumerTag).catch((err: unknown) => {
          logger.warn({ err }, 'could not cancel the consumer');
        });
      }
      if (inFlight > 0) {
        logger.info({ inFlight }, 'waiting for in-flight messages');
        await new Promise<void>((resolve) => {
          idle.push(resolve);
          setTimeout(resolve, options.drainTimeoutMs ?? 30_000).unref();
        });
      }
      session = undefined;
      // Close the channels before the connection: a channel's close-ok comes after the broker
      // handled every frame sent on it, so the last acks are not overtaken by the
      // connection's close (frames of different channels are interleaved) and lost.
      for (const channel of [current?.consume, current?.publish]) {
        await channel?.close().catch((err: unknown) => {
          logger.warn({ err }, 'worker channel did not close cleanly');
        });
      }
      await connection.close().catch((err: unknown) => {
        logger.warn({ err }, 'broker connection did not close cleanly');
      });
    },
  };
}

import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { connectClient, declareTopology, restartOnChannelLoss, type BrokerClientOptions } from '@pipeline/broker';
import type { ParkedEventInput } from '@pipeline/db';
import { parkedEventOf } from './parked-event.ts';

export interface DeadQueueDrainer {
  /** True while connected and consuming the dead queue. */
  readonly ready: boolean;
  /** Stops consuming; messages not yet recorded stay in the dead queue. */
  stop(): Promise<void>;
}

export interface DeadQueueDrainerOptions extends BrokerClientOptions {
  /** Records one parked event; must be idempotent (the same message may come twice). */
  readonly parkEvent: (event: ParkedEventInput) => Promise<unknown>;
  /** Dead-queue messages held at once; default 10. */
  readonly prefetch?: number;
  /** First pause before retrying a failed insert, doubled up to `maxRetryDelayMs`; default 500 ms. */
  readonly retryDelayMs?: number;
  /** Longest pause between insert attempts; default 30000 ms. */
  readonly maxRetryDelayMs?: number;
}

/**
 * Empties the dead queue into `parked_events`: what the broker's delivery limit parked, and
 * what a worker could only forward there while the database was down. Each message is
 * acked only after its row is written. A failed insert is retried with a growing pause while
 * the message stays held, never requeued: a requeue counts toward the queue's delivery
 * limit, and on RabbitMQ 4.x a message past it is dropped.
 */
export async function startDeadQueueDrainer(options: DeadQueueDrainerOptions): Promise<DeadQueueDrainer> {
  const { logger, names } = options;
  const firstDelayMs = options.retryDelayMs ?? 500;
  const maxDelayMs = options.maxRetryDelayMs ?? 30_000;
  let channel: Channel | undefined;
  const lifecycle = { stopping: false };
  const isStopping = (): boolean => lifecycle.stopping;
  const wakeOnStop: Array<() => void> = [];

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeOnStop.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async function drainOne(message: ConsumeMessage, current: Channel): Promise<void> {
    const parked = parkedEventOf(message.content, message.properties);
    for (let delayMs = firstDelayMs; ; delayMs = Math.min(delayMs * 2, maxDelayMs)) {
      // Stopped while retrying: the message is still held, and the broker keeps it when the channel closes.
      if (isStopping()) return;
      try {
        await options.parkEvent(parked);
        break;
      } catch (err: unknown) {
        if (isStopping()) return;
        logger.warn({ err, messageId: parked.eventId, retryInMs: delayMs }, 'could not record a dead-queue message; holding it and retrying');
        await pause(delayMs);
      }
    }
    try {
      current.ack(message);
    } catch (err: unknown) {
      // The row is written; the broker redelivers the message and its insert changes nothing.
      logger.warn({ err }, 'ack failed on a closed channel; the broker will redeliver');
    }
  }

  async function setup(model: ChannelModel): Promise<void> {
    const current = await model.createChannel();
    await declareTopology(current, names);
    await current.prefetch(options.prefetch ?? 10);
    current.on('error', (err: Error) => {
      logger.warn({ err }, 'dead-queue drainer channel error');
    });
    restartOnChannelLoss(model, logger, current, () => lifecycle.stopping);
    if (lifecycle.stopping) return;
    await current.consume(
      names.deadQueue,
      (message) => {
        if (message === null) {
          model.close().catch(() => undefined);
          return;
        }
        void drainOne(message, current);
      },
      { noAck: false },
    );
    channel = current;
    logger.info({ queue: names.deadQueue }, 'draining the dead queue');
  }

  const connection = await connectClient(options, { connectionName: 'worker-dead-queue-drainer' }, { onConnect: setup, onDisconnect: () => (channel = undefined) });

  return {
    get ready() {
      return connection.connected && channel !== undefined && !lifecycle.stopping;
    },
    async stop() {
      lifecycle.stopping = true;
      for (const wake of wakeOnStop.splice(0)) wake();
      // The channel's close-ok comes after the broker handled every ack sent on it.
      await channel?.close().catch(() => undefined);
      channel = undefined;
      await connection.close().catch((err: unknown) => {
        logger.warn({ err }, 'drainer connection did not close cleanly');
      });
    },
  };
}

import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { createReturnTracker, publishAndConfirm, topologyNames, type TopologyNames } from '@pipeline/broker';
import type { ParkedEventRecord } from '@pipeline/db';
import { openBrokerConnection } from '../broker-connection.ts';
import { CliError } from '../cli-error.ts';
import { replayProperties } from './replay-properties.ts';

/** Sends parked events back to the work queue, each confirmed by the broker (publishAndConfirm, the one confirm primitive). */
export interface WorkQueueSender {
  /** The queues involved (TOPOLOGY_PREFIX applied). */
  readonly names: TopologyNames;
  /** Resolves once the broker confirmed the copy as routed and stored; rejects with a PublishError otherwise. */
  send(parked: ParkedEventRecord, replayedAt: Date): Promise<void>;
  close(): Promise<void>;
}

export interface OpenWorkQueueSenderOptions {
  readonly url: string;
  /** TOPOLOGY_PREFIX. */
  readonly prefix: string;
  /** How long a copy waits for the broker's confirm; default 10000 ms. */
  readonly confirmTimeoutMs?: number;
}

async function checkWorkQueue(connection: ChannelModel, queue: string, prefix: string): Promise<void> {
  // A failed check closes its channel, so it gets one of its own.
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    await channel.checkQueue(queue);
    await channel.close();
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code !== 404) throw new CliError('BROKER_LOST', `could not look at queue ${queue}`, { cause: err });
    throw new CliError('NO_SUCH_QUEUE', `queue ${queue} does not exist: is TOPOLOGY_PREFIX ("${prefix}") right, and has a worker run once?`);
  }
}

/** Opens a confirm channel to the work queue, after checking the queue exists. */
export async function openWorkQueueSender(options: OpenWorkQueueSenderOptions): Promise<WorkQueueSender> {
  const names = topologyNames(options.prefix);
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  const connection = await openBrokerConnection(options.url);
  let channel: ConfirmChannel;
  try {
    await checkWorkQueue(connection, names.workQueue, options.prefix);
    channel = await connection.createConfirmChannel();
  } catch (err: unknown) {
    await connection.close().catch(() => undefined);
    throw err;
  }
  channel.on('error', () => undefined);
  const returns = createReturnTracker();
  channel.on('return', returns.onReturn);

  return {
    names,
    send(parked, replayedAt) {
      const properties = replayProperties(parked.properties, replayedAt);
      // Returns are matched by message id; a message that never had one (a malformed body)
      // gets its row's id, so the copies of one page can be in flight together.
      const messageId = typeof properties.messageId === 'string' ? properties.messageId : `parked-event-${parked.id}`;
      return publishAndConfirm(channel, returns, { exchange: '', routingKey: names.workQueue }, parked.body, { ...properties, messageId }, confirmTimeoutMs);
    },
    async close() {
      await channel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

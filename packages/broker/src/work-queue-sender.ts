import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { publishAndConfirm } from './confirm-forward.ts';
import { replayProperties, type StoredProperties } from './replay-properties.ts';
import { createReturnTracker } from './return-tracker.ts';
import { topologyNames, type TopologyNames } from './topology.ts';

/** A parked message as kept in `parked_events`: its row id, exact body and stored AMQP properties. */
export interface ParkedCopy {
  readonly id: string;
  readonly body: Buffer;
  readonly properties: StoredProperties;
}

/**
 * Sends parked events back to the work queue, each confirmed by the broker (publishAndConfirm,
 * the one confirm primitive). Shared by the CLI's `dead-letters replay` and the console.
 */
export interface WorkQueueSender {
  /** The queues involved (TOPOLOGY_PREFIX applied). */
  readonly names: TopologyNames;
  /** Resolves once the broker confirmed the copy as routed and stored; rejects with a PublishError otherwise. */
  send(parked: ParkedCopy, replayedAt: Date): Promise<void>;
  /** Closes the channel (not the connection, which belongs to the caller). */
  close(): Promise<void>;
}

export interface OpenWorkQueueSenderOptions {
  /** An open connection; the sender uses channels of its own on it. */
  readonly connection: ChannelModel;
  /** TOPOLOGY_PREFIX. */
  readonly prefix: string;
  /** How long a copy waits for the broker's confirm; default 10000 ms. */
  readonly confirmTimeoutMs?: number;
}

/** The work queue does not exist: wrong TOPOLOGY_PREFIX, or no worker has declared it yet. */
export class MissingWorkQueueError extends Error {
  readonly queue: string;
  constructor(queue: string, prefix: string) {
    super(`queue ${queue} does not exist: is TOPOLOGY_PREFIX ("${prefix}") right, and has a worker run once?`);
    this.name = 'MissingWorkQueueError';
    this.queue = queue;
  }
}

async function checkWorkQueue(connection: ChannelModel, queue: string, prefix: string): Promise<void> {
  // A failed check closes its channel, so it gets one of its own.
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    await channel.checkQueue(queue);
    await channel.close();
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code === 404) throw new MissingWorkQueueError(queue, prefix);
    throw err;
  }
}

/** Opens a confirm channel to the work queue, after checking the queue exists (MissingWorkQueueError if not). */
export async function openWorkQueueSender(options: OpenWorkQueueSenderOptions): Promise<WorkQueueSender> {
  const names = topologyNames(options.prefix);
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  await checkWorkQueue(options.connection, names.workQueue, options.prefix);
  const channel: ConfirmChannel = await options.connection.createConfirmChannel();
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
    },
  };
}

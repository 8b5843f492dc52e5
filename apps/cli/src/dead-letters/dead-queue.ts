import type { Channel, ChannelModel, ConfirmChannel, GetMessage, Message, Options } from 'amqplib';
import { headers, topologyNames, type TopologyNames } from '@pipeline/broker';
import { CliError } from '../cli-error.ts';
import { openBrokerConnection } from '../broker-connection.ts';
import { describeParkedMessage, type ParkedMessage } from './parked-message.ts';

/** A parked message taken off the dead queue and not yet settled. */
export interface HeldMessage {
  readonly message: GetMessage;
  readonly parked: ParkedMessage;
}

export interface ScanResult {
  /** Matching messages, held (unacknowledged) in queue order. */
  readonly matching: HeldMessage[];
  /** Messages looked at, matching or not. */
  readonly scanned: number;
  /** Messages ready in the queue when the scan began. */
  readonly queued: number;
}

/** The dead-letter queue, read through AMQP with manual acks. */
export interface DeadQueue {
  /** The queues involved (TOPOLOGY_PREFIX applied). */
  readonly names: TopologyNames;
  /**
   * Takes messages off the queue one by one and holds them, until the queue is empty or
   * `limit` matching ones are held. Nothing leaves the queue for good: whatever is not
   * replayed or removed goes back on close() (or when the connection drops).
   */
  scan(matches: (message: ParkedMessage) => boolean, limit?: number): Promise<ScanResult>;
  /**
   * Sends a copy to the work queue and removes the parked one only once the broker has
   * confirmed the copy: an interruption at any point leaves the event in at least one queue.
   */
  replay(held: HeldMessage, replayedAt: Date): Promise<void>;
  /** Removes a held message for good. */
  remove(held: HeldMessage): void;
  /** Settles the acks, puts every held message back on the dead queue, and disconnects. */
  close(): Promise<void>;
}

export interface OpenDeadQueueOptions {
  readonly url: string;
  /** TOPOLOGY_PREFIX. */
  readonly prefix: string;
  /** How long a replayed copy waits for the broker's confirm; default 10000 ms. */
  readonly confirmTimeoutMs?: number;
}

/** Headers that describe the message's failed life; a replayed copy starts afresh without them. */
const failureHeaders = [
  headers.attempts,
  headers.lastError,
  headers.lastErrorCode,
  headers.parkedAt,
  // The broker's own records: a stale x-death could make its dead-letter cycle detection
  // drop the copy, and the delivery count belongs to the dead queue, not the new life.
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-delivery-count',
];

/** The properties of the copy sent back to the work queue: the original's, minus the failure, plus `x-replayed-at`. */
export function replayProperties(message: Message, replayedAt: Date): Options.Publish {
  const original = message.properties;
  const kept: Record<string, unknown> = { ...(original.headers ?? {}) };
  for (const name of failureHeaders) Reflect.deleteProperty(kept, name);
  kept['x-replayed-at'] = replayedAt.toISOString();
  const properties: Options.Publish = { persistent: true, mandatory: true, headers: kept };
  const copied = ['messageId', 'type', 'timestamp', 'contentType', 'contentEncoding', 'correlationId', 'appId', 'priority'] as const;
  for (const name of copied) {
    const value: unknown = original[name];
    if (value !== undefined && value !== null) Object.assign(properties, { [name]: value });
  }
  return properties;
}

async function checkQueueExists(connection: ChannelModel, queue: string, prefix: string): Promise<number> {
  // A failed check closes its channel, so it gets one of its own.
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    const { messageCount } = await channel.checkQueue(queue);
    await channel.close();
    return messageCount;
  } catch (err: unknown) {
    if ((err as { code?: unknown }).code !== 404) throw new CliError('BROKER_LOST', `could not look at queue ${queue}`, { cause: err });
    throw new CliError('NO_SUCH_QUEUE', `queue ${queue} does not exist: is TOPOLOGY_PREFIX ("${prefix}") right, and has a worker run once?`);
  }
}

/** Opens the dead queue for reading, and a confirm channel for sending copies to the work queue. */
export async function openDeadQueue(options: OpenDeadQueueOptions): Promise<DeadQueue> {
  const names = topologyNames(options.prefix);
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  const connection = await openBrokerConnection(options.url);
  let take: Channel | undefined;
  let send: ConfirmChannel | undefined;
  let returned = false;
  try {
    await checkQueueExists(connection, names.deadQueue, options.prefix);
    await checkQueueExists(connection, names.workQueue, options.prefix);
    take = await connection.createChannel();
    send = await connection.createConfirmChannel();
  } catch (err: unknown) {
    await connection.close().catch(() => undefined);
    throw err;
  }
  const takeChannel = take;
  const sendChannel = send;
  let channelError: Error | undefined;
  for (const channel of [takeChannel, sendChannel]) {
    channel.on('error', (err: Error) => {
      channelError = err;
    });
  }
  // Copies go one at a time, so a return always belongs to the copy in flight.
  sendChannel.on('return', () => {
    returned = true;
  });

  function lostConnection(err: unknown): CliError {
    return new CliError('BROKER_LOST', 'lost the broker connection; unsettled messages stay in the dead queue', { cause: channelError ?? err });
  }

  return {
    names,
    async scan(matches, limit = Infinity) {
      const queued = await checkQueueExists(connection, names.deadQueue, options.prefix);
      const matching: HeldMessage[] = [];
      let scanned = 0;
      while (matching.length < limit) {
        let message: GetMessage | false;
        try {
          message = await takeChannel.get(names.deadQueue, { noAck: false });
        } catch (err: unknown) {
          throw lostConnection(err);
        }
        if (message === false) break;
        scanned += 1;
        const parked = describeParkedMessage(message.properties);
        // Non-matching messages stay held too, or the next get would hand them out again.
        if (matches(parked)) matching.push({ message, parked });
      }
      return { matching, scanned, queued };
    },

    async replay(held, replayedAt) {
      returned = false;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new CliError('NOT_CONFIRMED', `the broker did not confirm the copy of ${held.parked.id ?? 'a message'} within ${confirmTimeoutMs} ms`));
        }, confirmTimeoutMs);
        try {
          sendChannel.sendToQueue(names.workQueue, held.message.content, replayProperties(held.message, replayedAt), (err: unknown) => {
            clearTimeout(timer);
            if (returned) reject(new CliError('UNROUTABLE', `the broker returned the copy: queue ${names.workQueue} is gone`));
            else if (err) reject(new CliError('NOT_CONFIRMED', 'the broker refused the copy', { cause: err }));
            else resolve();
          });
        } catch (err: unknown) {
          clearTimeout(timer);
          reject(lostConnection(err));
        }
      });
      try {
        takeChannel.ack(held.message);
      } catch (err: unknown) {
        // The copy is safe in the work queue; the parked one comes back, a harmless duplicate.
        throw lostConnection(err);
      }
    },

    remove(held) {
      try {
        takeChannel.ack(held.message);
      } catch (err: unknown) {
        throw lostConnection(err);
      }
    },

    async close() {
      // Closing the channel (a handshake) before the connection matters: RabbitMQ 3.10
      // drops acks still in flight to a quorum queue when the connection closes at once,
      // leaving a replayed or purged message parked. Held messages go back on channel close.
      await takeChannel.close().catch(() => undefined);
      await sendChannel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { topologyNames, type TopologyNames } from '@pipeline/broker';
import type { ParkedEventRecord } from '@pipeline/db';
import { openBrokerConnection } from '../broker-connection.ts';
import { CliError } from '../cli-error.ts';
import { replayProperties } from './replay-properties.ts';

/** Sends parked events back to the work queue, one at a time, each confirmed by the broker. */
export interface WorkQueueSender {
  /** The queues involved (TOPOLOGY_PREFIX applied). */
  readonly names: TopologyNames;
  /** Resolves once the broker confirmed the copy as routed and stored. */
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
  let channelError: Error | undefined;
  channel.on('error', (err: Error) => {
    channelError = err;
  });
  // Copies go one at a time, so a return always belongs to the copy in flight.
  let returned = false;
  channel.on('return', () => {
    returned = true;
  });

  return {
    names,
    send(parked, replayedAt) {
      returned = false;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new CliError('NOT_CONFIRMED', `the broker did not confirm the copy of ${parked.eventId ?? 'a message'} within ${confirmTimeoutMs} ms`));
        }, confirmTimeoutMs);
        try {
          channel.sendToQueue(names.workQueue, parked.body, replayProperties(parked.properties, replayedAt), (err: unknown) => {
            clearTimeout(timer);
            if (returned) reject(new CliError('UNROUTABLE', `the broker returned the copy: queue ${names.workQueue} is gone`));
            else if (err) reject(new CliError('NOT_CONFIRMED', 'the broker refused the copy', { cause: err }));
            else resolve();
          });
        } catch (err: unknown) {
          clearTimeout(timer);
          reject(new CliError('BROKER_LOST', 'lost the broker connection; unsent events stay parked', { cause: channelError ?? err }));
        }
      });
    },
    async close() {
      await channel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

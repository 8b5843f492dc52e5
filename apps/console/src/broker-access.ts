import type { ChannelModel } from 'amqplib';
import { brokerHosts } from '@pipeline/core';
import { connectFirstReachable, openWorkQueueSender, topologyNames, type TopologyNames, type WorkQueueSender } from '@pipeline/broker';

/** A queue as a passive declare sees it; `missing` when it was never declared. */
export interface QueueState {
  readonly name: string;
  readonly role: string;
  readonly missing: boolean;
  readonly messages: number;
  readonly consumers: number;
}

/** The console's short visits to the broker: each opens a connection and closes it, so a broker restart never leaves the console stuck. */
export interface BrokerAccess {
  readonly names: TopologyNames;
  /** Message and consumer counts of each queue (AMQP `queue.declare` passive). */
  queueStates(queues: ReadonlyArray<{ name: string; role: string }>): Promise<QueueState[]>;
  /** Runs `work` with a sender to the work queue (the CLI's replay sender, shared). */
  withSender<T>(work: (sender: WorkQueueSender) => Promise<T>): Promise<T>;
}

export function createBrokerAccess(url: string, prefix: string): BrokerAccess {
  const names = topologyNames(prefix);
  const withConnection = async <T>(work: (connection: ChannelModel) => Promise<T>): Promise<T> => {
    let connection: ChannelModel;
    try {
      connection = await connectFirstReachable(url, { timeout: 5_000, clientProperties: { connection_name: 'console' } });
    } catch (err: unknown) {
      throw new Error(`cannot reach the broker at ${brokerHosts(url)} (RABBITMQ_URL)`, { cause: err });
    }
    connection.on('error', () => undefined);
    try {
      return await work(connection);
    } finally {
      await connection.close().catch(() => undefined);
    }
  };
  return {
    names,
    queueStates: (queues) =>
      withConnection(async (connection) => {
        const states: QueueState[] = [];
        for (const queue of queues) {
          // A passive declare of a missing queue closes its channel: one channel per queue.
          const channel = await connection.createChannel();
          channel.on('error', () => undefined);
          try {
            const { messageCount, consumerCount } = await channel.checkQueue(queue.name);
            states.push({ ...queue, missing: false, messages: messageCount, consumers: consumerCount });
            await channel.close();
          } catch (err: unknown) {
            if ((err as { code?: unknown }).code !== 404) throw err;
            states.push({ ...queue, missing: true, messages: 0, consumers: 0 });
          }
        }
        return states;
      }),
    withSender: (work) =>
      withConnection(async (connection) => {
        const sender = await openWorkQueueSender({ connection, prefix });
        try {
          return await work(sender);
        } finally {
          await sender.close();
        }
      }),
  };
}

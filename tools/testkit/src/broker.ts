import { randomBytes } from 'node:crypto';
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { connectFirstReachable, topologyNames, type TopologyNames } from '@pipeline/broker';

/** A random TOPOLOGY_PREFIX, so each test file has its own exchanges and queues. */
export function randomTopologyPrefix(): string {
  return `t${randomBytes(5).toString('hex')}.`;
}

/** A plain connection for tests to inspect queues, and to delete a test's topology after it. */
export interface TestBroker {
  connection: ChannelModel;
  channel: Channel;
  names: TopologyNames;
  prefix: string;
  /** Takes up to `max` messages from a queue (acknowledging them), waiting up to `timeoutMs` for the first. */
  drain(queue: string, options?: { max?: number; timeoutMs?: number }): Promise<GetMessage[]>;
  /** Messages ready in a queue. */
  depth(queue: string): Promise<number>;
  /** Deletes every queue and exchange the topology may have created, then disconnects. */
  cleanup(retryDelaysMs?: readonly number[]): Promise<void>;
}

export async function createTestBroker(url: string, prefix = randomTopologyPrefix()): Promise<TestBroker> {
  const connection = await connectFirstReachable(url);
  // The broker may close this connection with an error: RabbitMQ 3.10's quorum-queue log
  // writer sometimes crashes while a queue is deleted (541 INTERNAL_ERROR). What was pending
  // rejects on its own; unlistened, the 'error' event would kill the test process.
  connection.on('error', () => undefined);
  let channel = await connection.createChannel();
  const names = topologyNames(prefix);

  // A failed check closes a channel; tests keep a usable one.
  async function withChannel<T>(work: (ch: Channel) => Promise<T>): Promise<T> {
    try {
      return await work(channel);
    } catch (err: unknown) {
      channel = await connection.createChannel();
      throw err;
    }
  }

  return {
    connection,
    get channel() {
      return channel;
    },
    names,
    prefix,
    async drain(queue, options = {}) {
      const max = options.max ?? Infinity;
      const deadline = Date.now() + (options.timeoutMs ?? 2_000);
      const out: GetMessage[] = [];
      while (out.length < max) {
        const message = await withChannel((ch) => ch.get(queue, { noAck: true }));
        if (message) {
          out.push(message);
          continue;
        }
        if (out.length > 0 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return out;
    },
    async depth(queue) {
      const { messageCount } = await withChannel((ch) => ch.checkQueue(queue));
      return messageCount;
    },
    async cleanup(retryDelaysMs = []) {
      const queues = [names.workQueue, names.deadQueue, ...retryDelaysMs.map((ms) => names.retryQueue(ms))];
      for (const queue of queues) await withChannel((ch) => ch.deleteQueue(queue)).catch(() => undefined);
      for (const exchange of [names.exchange, names.retryExchange, names.deadExchange]) {
        await withChannel((ch) => ch.deleteExchange(exchange)).catch(() => undefined);
      }
      await connection.close().catch(() => undefined);
    },
  };
}

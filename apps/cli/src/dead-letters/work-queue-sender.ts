import { MissingWorkQueueError, openWorkQueueSender as openSender, type WorkQueueSender } from '@pipeline/broker';
import { openBrokerConnection } from '../broker-connection.ts';
import { CliError } from '../cli-error.ts';

export type { WorkQueueSender } from '@pipeline/broker';

export interface OpenWorkQueueSenderOptions {
  readonly url: string;
  /** TOPOLOGY_PREFIX. */
  readonly prefix: string;
  /** How long a copy waits for the broker's confirm; default 10000 ms. */
  readonly confirmTimeoutMs?: number;
}

/**
 * The shared sender (`@pipeline/broker`) on a connection of the CLI's own, closed with it;
 * its failures in the CLI's words.
 */
export async function openWorkQueueSender(options: OpenWorkQueueSenderOptions): Promise<WorkQueueSender> {
  const connection = await openBrokerConnection(options.url);
  try {
    const sender = await openSender({ connection, prefix: options.prefix, ...(options.confirmTimeoutMs === undefined ? {} : { confirmTimeoutMs: options.confirmTimeoutMs }) });
    return {
      names: sender.names,
      send: (parked, replayedAt) => sender.send(parked, replayedAt),
      async close() {
        await sender.close();
        await connection.close().catch(() => undefined);
      },
    };
  } catch (err: unknown) {
    await connection.close().catch(() => undefined);
    if (err instanceof MissingWorkQueueError) throw new CliError('NO_SUCH_QUEUE', err.message);
    throw new CliError('BROKER_LOST', `could not open a channel to the work queue`, { cause: err });
  }
}

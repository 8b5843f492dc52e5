import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { PublishError } from '@pipeline/core';
import { connectClient, dropConnection, restartOnChannelLoss, type BrokerClientOptions, type BrokerConnection } from './connect.ts';
import { publishAndConfirm } from './confirm-forward.ts';
import { createReturnTracker, type ReturnTracker } from './return-tracker.ts';
import { declareTopology } from './topology.ts';

export interface Publisher {
  /**
   * Publishes and resolves only once the broker has confirmed the message as routed and
   * stored. Rejects with a PublishError, quickly, in every other case: no channel, blocked
   * connection, full write buffer, returned (unroutable), nacked, or no confirm in time.
   */
  publishConfirmed(routingKey: string, body: Buffer, properties: Options.Publish & { messageId: string }): Promise<void>;
  /** True while a publish could succeed: connected, a confirm channel open, not blocked. */
  readonly ready: boolean;
  /** Publishes still waiting for their confirm. */
  readonly inFlight: number;
  /** Waits for in-flight confirms (up to the timeout), then closes channel and connection. */
  close(): Promise<void>;
}

export interface PublisherOptions extends BrokerClientOptions {
  /** How long a publish waits for the broker's confirm; default 5000 ms. */
  readonly confirmTimeoutMs?: number;
}

/** One long-lived confirm channel per process, reopened (with topology) on every reconnect. */
export async function createPublisher(options: PublisherOptions): Promise<Publisher> {
  const { names, logger } = options;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 5_000;
  let channel: ConfirmChannel | undefined;
  let saturated = false;
  let closing = false;
  let inFlight = 0;
  let returns: ReturnTracker = createReturnTracker();
  let model: ChannelModel | undefined;
  const idleWaiters: Array<() => void> = [];

  async function openChannel(connected: ChannelModel): Promise<void> {
    const next = await connected.createConfirmChannel();
    await declareTopology(next, names);
    const nextReturns = createReturnTracker();
    next.on('return', nextReturns.onReturn);
    next.on('drain', () => {
      saturated = false;
    });
    next.on('error', (err: Error) => {
      logger.warn({ err }, 'publish channel error');
    });
    next.on('close', () => {
      if (channel === next) channel = undefined;
    });
    restartOnChannelLoss(connected, logger, next, () => closing);
    saturated = false;
    returns = nextReturns;
    model = connected;
    channel = next;
  }

  /**
   * A confirm that never came means a broker that stopped answering without closing the
   * connection; heartbeats would notice only after seconds. Until then every publish would
   * wait its full timeout, so drop the connection now: recovery reconnects, and meanwhile
   * publishes fail at once and /readyz says not ready.
   */
  function abandonConnection(of: ConfirmChannel): void {
    if (channel !== of || closing) return;
    channel = undefined;
    logger.warn({ confirmTimeoutMs }, 'no confirm in time; dropping the broker connection to reconnect');
    if (model !== undefined) dropConnection(model, `no confirm within ${confirmTimeoutMs} ms`);
  }

  const connection: BrokerConnection = await connectClient(
    options,
    // A short reconnect pause, because every second without a connection is a second of 503s for Stripe.
    { connectionName: 'publisher', maxReconnectDelayMs: 1_000 },
    {
      onConnect: openChannel,
      onDisconnect: () => {
        channel = undefined;
      },
    },
  );

  function settle(): void {
    inFlight -= 1;
    if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
  }

  function publishConfirmed(routingKey: string, body: Buffer, properties: Options.Publish & { messageId: string }): Promise<void> {
    const current = channel;
    if (current === undefined || !connection.connected) {
      return Promise.reject(new PublishError('BROKER_UNAVAILABLE', 'broker connection is down'));
    }
    if (connection.blocked) {
      return Promise.reject(new PublishError('BROKER_BLOCKED', 'broker is blocking publishers (resource alarm)'));
    }
    if (saturated) {
      return Promise.reject(new PublishError('BUFFER_FULL', 'outbound buffer to the broker is full'));
    }
    inFlight += 1;
    const done = publishAndConfirm(current, returns, { exchange: names.exchange, routingKey }, body, properties, confirmTimeoutMs, {
      // The message is in the buffer and will still be confirmed or failed; later
      // publishes are refused until the socket drains.
      onBufferFull: () => {
        saturated = true;
      },
      onTimeout: () => {
        abandonConnection(current);
      },
    });
    return done.finally(settle);
  }

  return {
    publishConfirmed,
    get ready() {
      return channel !== undefined && connection.connected && !connection.blocked;
    },
    get inFlight() {
      return inFlight;
    },
    async close() {
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          idleWaiters.push(resolve);
          setTimeout(resolve, confirmTimeoutMs).unref();
        });
      }
      closing = true;
      const current = channel;
      channel = undefined;
      await current?.close().catch(() => undefined);
      await connection.close();
    },
  };
}

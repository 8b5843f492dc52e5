import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from '@pipeline/core';
import { createAddressRotation } from './broker-addresses.ts';
import type { TopologyNames } from './topology.ts';

/** A broker connection that reconnects by itself (amqplib's recovery) and says how it is. */
export interface BrokerConnection {
  /** True between a successful (re)connect and the next loss of the connection. */
  readonly connected: boolean;
  /** True while the broker has blocked publishing (a memory or disk alarm). */
  readonly blocked: boolean;
  /** Closes the connection for good; recovery stops. */
  close(): Promise<void>;
}

/** What every long-lived broker client (publisher, consumer, dead-queue drainer) is given. */
export interface BrokerClientOptions {
  /** RABBITMQ_URL: one amqp(s) URL or a comma-separated list of a cluster's nodes. */
  readonly url: string;
  /** The exchange and queues it declares on every (re)connect and then uses. */
  readonly names: TopologyNames;
  readonly logger: Logger;
  /** Shown in the broker's management UI; each client has its own default (`publisher`, `worker`, …). */
  readonly connectionName?: string;
  /** Longest pause between reconnect attempts in ms; each client has its own default. */
  readonly maxReconnectDelayMs?: number;
}

export interface ConnectBrokerOptions extends Pick<BrokerClientOptions, 'url' | 'logger' | 'maxReconnectDelayMs'> {
  /** Shown in the broker's management UI, e.g. `ingest` or `worker`. */
  readonly connectionName: string;
  /**
   * Runs after every successful (re)connect, before the connection counts as up: declare
   * topology, open channels, register consumers. A throw closes that connection and
   * schedules another attempt.
   */
  readonly onConnect: (model: ChannelModel) => Promise<void>;
  /** Runs when the connection is lost (not on close()). */
  readonly onDisconnect?: () => void;
  /** Heartbeat in seconds; default 10, so a dead peer is noticed in about 20 s. */
  readonly heartbeatS?: number;
}

/**
 * Opens a recovering connection. It resolves at once, connected or not: a process must
 * be able to start (and say it is not ready) while the broker is down.
 *
 * With several addresses, the first is tried first, and every failed attempt or lost
 * connection moves the next attempt to the next address (round robin), so a client leaves
 * a stopped cluster node on its first reconnect; `onConnect` declares the topology and
 * consumers again on whichever node answers.
 */
export async function connectBroker(options: ConnectBrokerOptions): Promise<BrokerConnection> {
  const { logger } = options;
  const addresses = createAddressRotation(options.url, options.heartbeatS ?? 10);
  const state = { connected: false, blocked: false };

  const connection = await amqp.connect(addresses.target, {
    noDelay: true,
    timeout: 5_000,
    clientProperties: { connection_name: options.connectionName },
    recovery: {
      waitForConnect: false,
      initialDelay: 100,
      // Default 5000 ms.
      maxDelay: options.maxReconnectDelayMs ?? 5_000,
      maxRetries: Infinity,
      setup: async (model: ChannelModel) => {
        // amqplib's recovery binds its own 'error' listener to a new connection only once
        // setup resolved; a connection reset in the middle of setup would otherwise be an
        // uncaught 'error' event that kills the process. Setup then fails, and recovery
        // closes this connection and tries again. (On a failed setup the listener stays: the
        // dead connection may still report errors after it.)
        const duringSetup = (err: Error): void => {
          logger.warn({ err, host: addresses.host }, 'broker connection failed during setup');
        };
        model.on('error', duringSetup);
        await options.onConnect(model);
        model.off('error', duringSetup);
      },
    },
  });

  connection.on('connect', () => {
    state.connected = true;
    state.blocked = false;
    logger.info({ host: addresses.host }, 'broker connected');
  });
  // Recovery emits both events before it schedules the next attempt, which reads the target then.
  connection.on('disconnect', (err: Error) => {
    state.connected = false;
    logger.warn({ err, host: addresses.host }, 'broker connection lost');
    addresses.advance();
    options.onDisconnect?.();
  });
  connection.on('connect-failed', (err: Error) => {
    logger.warn({ err, host: addresses.host }, 'broker connection attempt failed');
    addresses.advance();
  });
  connection.on('blocked', (reason: string) => {
    state.blocked = true;
    logger.warn({ reason }, 'broker blocked publishing');
  });
  connection.on('unblocked', () => {
    state.blocked = false;
    logger.info('broker unblocked publishing');
  });
  connection.on('error', (err: Error) => {
    logger.warn({ err }, 'broker connection error');
  });

  return {
    get connected() {
      return state.connected;
    },
    get blocked() {
      return state.blocked;
    },
    async close() {
      state.connected = false;
      await connection.close();
    },
  };
}

/**
 * Reopens everything when a channel dies under a live connection (a channel-level error
 * such as a missing exchange): closing the connection hands the repair to recovery, which
 * reconnects and runs `onConnect` again.
 */
export function restartOnChannelLoss(model: ChannelModel, logger: Logger, channel: { on(event: 'close', listener: () => void): unknown }, isClosing: () => boolean): void {
  channel.on('close', () => {
    if (isClosing()) return;
    logger.warn('broker channel closed, reconnecting');
    model.close().catch(() => {
      // The connection is already going away; recovery takes it from here.
    });
  });
}

/**
 * Drops a connection whose broker stopped answering. A graceful close would wait for a
 * close-ok that never comes (until heartbeats give up, about twice the heartbeat), so the
 * socket is destroyed instead: amqplib sees the connection lost and recovery reconnects.
 * The socket is not in amqplib's public types; it is in every version of its Connection.
 */
export function dropConnection(model: ChannelModel, reason: string): void {
  const socket = (model.connection as unknown as { stream?: { destroy(err?: Error): void } }).stream;
  if (socket === undefined) {
    model.close().catch(() => undefined);
    return;
  }
  socket.destroy(new Error(reason));
}

/**
 * Connects one long-lived client (publisher, consumer, dead-queue drainer): its own
 * options, with the client's default name and reconnect pause where the caller set none,
 * and the client's hooks for each (re)connect and each loss.
 */
export function connectClient(
  options: BrokerClientOptions,
  defaults: { readonly connectionName: string; readonly maxReconnectDelayMs?: number },
  hooks: Pick<ConnectBrokerOptions, 'onConnect' | 'onDisconnect'>,
): Promise<BrokerConnection> {
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? defaults.maxReconnectDelayMs;
  return connectBroker({
    url: options.url,
    logger: options.logger,
    connectionName: options.connectionName ?? defaults.connectionName,
    ...(maxReconnectDelayMs === undefined ? {} : { maxReconnectDelayMs }),
    ...hooks,
  });
}

import { createPublisher, topologyNames, type Publisher } from '@pipeline/broker';
import { createLogger, stderrDestination } from '@pipeline/core';
import { setTimeout as delay } from 'node:timers/promises';
import { brokerHost } from './broker-connection.ts';
import { CliError } from './cli-error.ts';

export interface OpenPublisherOptions {
  readonly url: string;
  /** TOPOLOGY_PREFIX. */
  readonly prefix: string;
  readonly logLevel: string;
  /** How long to wait for the broker before giving up; default 10000 ms. */
  readonly connectTimeoutMs?: number;
}

/**
 * The pipeline's confirming publisher, once it can publish. Fails with one clear error if
 * the broker cannot be reached in time, rather than failing every event one by one.
 */
export async function openPublisher(options: OpenPublisherOptions): Promise<Publisher> {
  // stderr: stdout carries the command's own output.
  const logger = createLogger({ name: 'cli', level: options.logLevel, destination: stderrDestination() });
  const publisher = await createPublisher({ url: options.url, names: topologyNames(options.prefix), logger, connectionName: 'cli' });
  const deadline = Date.now() + (options.connectTimeoutMs ?? 10_000);
  while (!publisher.ready) {
    if (Date.now() > deadline) {
      await publisher.close().catch(() => undefined);
      throw new CliError('BROKER_UNREACHABLE', `cannot reach the broker at ${brokerHost(options.url)} (RABBITMQ_URL)`);
    }
    await delay(50);
  }
  return publisher;
}

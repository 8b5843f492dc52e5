import type { ChannelModel } from 'amqplib';
import { connectFirstReachable } from '@pipeline/broker';
import { brokerHosts } from '@pipeline/core';
import { CliError } from './cli-error.ts';

/** `host:port` of every address of RABBITMQ_URL, for messages: never the credentials. */
export function brokerHost(url: string): string {
  return brokerHosts(url);
}

/**
 * A plain connection, without automatic recovery: a command that loses the broker midway
 * stops and says so (the broker takes back whatever it had not acknowledged). With several
 * addresses it connects to the first that answers.
 */
export async function openBrokerConnection(url: string): Promise<ChannelModel> {
  try {
    const connection = await connectFirstReachable(url, { timeout: 5_000, clientProperties: { connection_name: 'cli' } });
    // Without a listener an 'error' event would crash the process with a stack trace;
    // the operation in progress fails on its own and reports it.
    connection.on('error', () => undefined);
    return connection;
  } catch (err: unknown) {
    throw new CliError('BROKER_UNREACHABLE', `cannot reach the broker at ${brokerHost(url)} (RABBITMQ_URL)`, { cause: err });
  }
}

import amqp, { type ChannelModel, type Options } from 'amqplib';
import { splitBrokerUrls } from '@pipeline/core';

/** amqplib's socket options (the second argument of `amqp.connect`), without recovery. */
export type SocketOptions = Exclude<Parameters<typeof amqp.connect>[1], undefined>;

/**
 * The addresses of a RABBITMQ_URL and which one the next connection attempt uses.
 *
 * amqplib's recovery keeps reconnecting to the one address it was given, so rotating through
 * a cluster's nodes happens here: recovery is handed `target`, an object that amqplib reads
 * afresh on every attempt, and `advance()` points it at the next node before the next try.
 */
export interface AddressRotation {
  /** What `amqp.connect` is given; repointed in place by `advance()`. */
  readonly target: Options.Connect;
  /** `host:port` of the address the next (or current) connection uses; never the credentials. */
  readonly host: string;
  /** Points `target` at the next address, wrapping around after the last. */
  advance(): void;
}

/** Query parameters amqplib reads from a URL and takes as numbers in its object form. */
const numericQuery = ['heartbeat', 'frameMax', 'channelMax', 'maxFrameSize'] as const;

/**
 * The object form of one amqp(s) URL, read the way amqplib reads the string form: default
 * ports 5672/5671, guest/guest only when the URL has no user info, percent-decoded
 * credentials, the vhost from the path, `heartbeat` and friends from the query.
 */
export function toConnectTarget(url: string, defaultHeartbeatS: number): Options.Connect {
  const parsed = new URL(url);
  const protocol = parsed.protocol.replace(/:$/, '');
  const target: Options.Connect = {
    protocol,
    hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number.parseInt(parsed.port, 10) || (protocol === 'amqp' ? 5672 : 5671),
    heartbeat: defaultHeartbeatS,
  };
  if (parsed.username !== '' || parsed.password !== '') {
    target.username = decodeURIComponent(parsed.username);
    target.password = decodeURIComponent(parsed.password);
  }
  // amqplib unescapes the vhost itself (both forms), so it is passed as it appears.
  const vhost = parsed.pathname.slice(1);
  if (vhost !== '') target.vhost = vhost;
  for (const key of numericQuery) {
    const value = parsed.searchParams.get(key);
    if (value !== null) target[key] = Number.parseInt(value, 10);
  }
  const locale = parsed.searchParams.get('locale');
  if (locale !== null) target.locale = locale;
  return target;
}

/** Every field of amqplib's object form, unset: amqplib treats undefined as absent. */
const unsetFields: Record<keyof Options.Connect, undefined> = {
  protocol: undefined,
  hostname: undefined,
  port: undefined,
  username: undefined,
  password: undefined,
  locale: undefined,
  frameMax: undefined,
  maxFrameSize: undefined,
  heartbeat: undefined,
  vhost: undefined,
  channelMax: undefined,
  credentials: undefined,
};

/** A rotation over every address of `urlList`, starting at the first. */
export function createAddressRotation(urlList: string, defaultHeartbeatS: number): AddressRotation {
  const addresses = splitBrokerUrls(urlList).map((url) => ({ host: new URL(url).host, target: toConnectTarget(url, defaultHeartbeatS) }));
  const first = addresses[0];
  if (first === undefined) throw new Error('RABBITMQ_URL holds no broker address');
  let index = 0;
  const target: Options.Connect = { ...first.target };
  return {
    target,
    get host() {
      return addresses[index]?.host ?? first.host;
    },
    advance() {
      index = (index + 1) % addresses.length;
      const next = addresses[index] ?? first;
      // Clear what the previous address set (credentials, vhost...) before taking the next one's.
      Object.assign(target, unsetFields, next.target);
    },
  };
}

/**
 * A plain connection (no recovery) to the first address of `urlList` that answers, trying
 * them in order. For short-lived clients (CLI commands, test probes). Rejects with the last
 * address's error, its `cause` chain intact, when none answers.
 */
export async function connectFirstReachable(urlList: string, socketOptions: SocketOptions = {}): Promise<ChannelModel> {
  const urls = splitBrokerUrls(urlList);
  let lastError: unknown = new Error('RABBITMQ_URL holds no broker address');
  for (const url of urls) {
    try {
      return await amqp.connect(url, socketOptions);
    } catch (err: unknown) {
      lastError = err;
    }
  }
  throw lastError;
}

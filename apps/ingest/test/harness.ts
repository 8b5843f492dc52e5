import { Writable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { createPublisher, topologyNames, type Endpoint, type Publisher } from '@pipeline/broker';
import { createLogger, type Logger } from '@pipeline/core';
import { buildEvent, serializeEvent, signPayload, type BuildEventOptions } from '@pipeline/stripe-events';
import { waitFor, type TestBroker } from '@pipeline/testkit';
import { buildIngestApp } from '../src/app.ts';
import { loadConfig, type IngestConfig } from '../src/config.ts';
import { buildMetricsApp } from '../src/metrics-app.ts';
import { createIngestMetrics, type IngestMetrics } from '../src/metrics.ts';

/** Obviously fake signing secrets, one per endpoint. */
export const secrets = {
  platform: 'whsec_test_platform_4c1d8a0e5b7f2963',
  connect: 'whsec_test_connect_9e2b7d41a6c03f58',
} as const;

/** The ingest's environment for a test: this file's topology, both secrets, quiet defaults. */
export function ingestEnv(broker: TestBroker, rabbitmqUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    RABBITMQ_URL: rabbitmqUrl,
    TOPOLOGY_PREFIX: broker.prefix,
    STRIPE_WEBHOOK_SECRET_PLATFORM: secrets.platform,
    STRIPE_WEBHOOK_SECRET_CONNECT: secrets.connect,
    LOG_LEVEL: 'debug',
    // Any free port: test files run in parallel, and a fixed metrics port would collide.
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    ...overrides,
  };
}

/** Every log line a logger wrote, kept in memory. */
export interface CapturedLogs {
  readonly logger: Logger;
  lines(): Array<Record<string, unknown>>;
  text(): string;
}

/** The real createLogger (same redaction), writing into memory at every level. */
export function captureLogs(): CapturedLogs {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  const logger = createLogger({ name: 'ingest', level: 'trace', destination: stream });
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface Ingest {
  app: ReturnType<typeof buildIngestApp>;
  publisher: Publisher;
  metrics: IngestMetrics;
  config: IngestConfig;
  logs: CapturedLogs;
  /** The metrics listener's app (not listening; use `inject`). */
  metricsApp: ReturnType<typeof buildMetricsApp>;
  /** The `/metrics` text, from the metrics app. */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/**
 * An ingest app (not listening; use `app.inject`) with a real publisher on the test's
 * topology. Waits until the publisher is ready unless `waitReady` is false.
 */
export async function startIngest(env: Record<string, string>, options: { waitReady?: boolean } = {}): Promise<Ingest> {
  const config = loadConfig(env);
  const logs = captureLogs();
  const publisher = await createPublisher({
    url: config.RABBITMQ_URL,
    names: topologyNames(config.TOPOLOGY_PREFIX),
    logger: logs.logger,
    confirmTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    connectionName: 'ingest-test',
  });
  const metrics = createIngestMetrics(publisher);
  const app = buildIngestApp({ config, publisher, logger: logs.logger, metrics });
  const metricsApp = buildMetricsApp({ registry: metrics.registry, logger: logs.logger });
  await Promise.all([app.ready(), metricsApp.ready()]);
  if (options.waitReady !== false) await waitFor(() => publisher.ready, { what: 'the publisher to be ready' });
  return {
    app,
    metricsApp,
    publisher,
    metrics,
    config,
    logs,
    async scrape() {
      const response = await metricsApp.inject({ method: 'GET', url: '/metrics' });
      return response.body;
    },
    async close() {
      await app.close();
      await publisher.close();
      await metricsApp.close();
    },
  };
}

/** A realistic event and the exact bytes Stripe would post for it. */
export function makeEvent(options: BuildEventOptions): { event: ReturnType<typeof buildEvent>; payload: string } {
  const event = buildEvent(options);
  return { event, payload: serializeEvent(event) };
}

export interface PostOptions {
  /** Default: the endpoint's secret. */
  secret?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replaces the computed Stripe-Signature header; `null` leaves it out. */
  signature?: string | null;
  /** Default `application/json; charset=utf-8`, as Stripe sends. */
  contentType?: string;
  /** Replaces the body after signing (a tampered payload). */
  body?: string | Buffer;
}

/** An inject request that posts `payload` to an endpoint the way Stripe does, signed at test time. */
export function signedPost(endpoint: Endpoint, payload: string, options: PostOptions = {}): InjectOptions {
  const signature =
    options.signature === undefined ? signPayload(payload, options.secret ?? secrets[endpoint], options.timestamp) : options.signature;
  return {
    method: 'POST',
    url: `/webhooks/${endpoint}`,
    headers: {
      'content-type': options.contentType ?? 'application/json; charset=utf-8',
      ...(signature === null ? {} : { 'stripe-signature': signature }),
    },
    payload: options.body ?? payload,
  };
}

/** The value of one sample of a Prometheus text exposition, or 0 when absent. */
export function sampleValue(metricsText: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(line.indexOf('{') + 1, line.indexOf('}'));
    if (wanted.every((pair) => labelText.split(',').includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

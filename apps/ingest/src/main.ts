import type { AddressInfo } from 'node:net';
import { ConfigError, createLogger, onShutdown } from '@pipeline/core';
import { loadConfig, type IngestConfig } from './config.ts';

/** The configuration, or undefined after telling stderr what is wrong with it. */
function readConfig(): IngestConfig | undefined {
  try {
    return loadConfig();
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    // The message names each bad variable and never a value; a stack would add nothing.
    process.stderr.write(`ingest: ${err.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

async function main(): Promise<void> {
  const config = readConfig();
  if (config === undefined) return;
  // Loaded once the configuration is known to be good, so a mistake is reported at once
  // rather than after the broker client, Fastify and the Stripe SDK have loaded.
  const [{ createPublisher, topologyNames }, { buildIngestApp }, { createIngestMetrics }, { buildMetricsApp }] = await Promise.all([
    import('@pipeline/broker'),
    import('./app.ts'),
    import('./metrics.ts'),
    import('./metrics-app.ts'),
  ]);
  const logger = createLogger({ name: 'ingest', level: config.LOG_LEVEL });

  // Resolves at once, connected or not: the ingest answers 503 (and /readyz says so) until
  // the broker is reachable, then recovers by itself, topology included.
  const publisher = await createPublisher({
    url: config.RABBITMQ_URL,
    names: topologyNames(config.TOPOLOGY_PREFIX),
    logger,
    confirmTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    connectionName: 'ingest',
  });
  const metrics = createIngestMetrics(publisher);
  const app = buildIngestApp({ config, publisher, logger, metrics });
  const metricsApp = buildMetricsApp({ registry: metrics.registry, logger });

  // Stop accepting, let in-flight requests finish (their confirms included), then let the
  // publisher wait for any confirm still pending before it closes the connection. Metrics
  // stay scrapeable until the last webhook is answered.
  onShutdown(logger, async () => {
    await app.close();
    await publisher.close();
    await metricsApp.close();
  });

  try {
    // Metrics first: once `listening` is logged, both addresses in it answer.
    await metricsApp.listen({ host: config.METRICS_HOST, port: config.METRICS_PORT });
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (err: unknown) {
    logger.fatal({ err }, 'cannot listen');
    await publisher.close();
    // Not exitCode: the shutdown handler would run on beforeExit and exit 0.
    process.exit(1);
  }
  logger.info(
    { url: urlOf(app.server.address() as AddressInfo), metricsUrl: urlOf(metricsApp.server.address() as AddressInfo) },
    'listening',
  );
}

await main();

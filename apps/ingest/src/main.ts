import type { AddressInfo } from 'node:net';
import { runService, type Logger } from '@pipeline/core';
import { loadConfig, type IngestConfig } from './config.ts';

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Builds the publisher, the webhook app and the metrics app, and listens. */
async function startIngest(config: IngestConfig, logger: Logger) {
  // Loaded once the configuration is known to be good, so a mistake is reported at once
  // rather than after the broker client, Fastify and the Stripe SDK have loaded.
  const [{ createPublisher, topologyNames }, { buildIngestApp }, { createIngestMetrics }, { buildMetricsApp }] = await Promise.all([
    import('@pipeline/broker'),
    import('./app.ts'),
    import('./metrics.ts'),
    import('./metrics-app.ts'),
  ]);

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
  logger.info({ url: urlOf(app.server.address() as AddressInfo), metricsUrl: urlOf(metricsApp.server.address() as AddressInfo) }, 'listening');

  return {
    // Stop accepting, let in-flight requests finish (their confirms included), then let the
    // publisher wait for any confirm still pending before it closes the connection. Metrics
    // stay scrapeable until the last webhook is answered.
    async stop() {
      await app.close();
      await publisher.close();
      await metricsApp.close();
    },
  };
}

await runService({ name: 'ingest', loadConfig: () => loadConfig(), start: startIngest });

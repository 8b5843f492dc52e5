import type { AddressInfo } from 'node:net';
import { ConfigError } from '@pipeline/core';
import { createPool } from '@pipeline/db';
import { buildConsoleApp } from './app.ts';
import { createBrokerAccess } from './broker-access.ts';
import { loadConsoleConfig } from './config.ts';

/** Starts the console; a bad or missing variable stops it with one line naming the variable. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConsoleConfig(process.env);
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      process.stderr.write(`console: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const pool = createPool({ url: config.DATABASE_URL, max: 4, applicationName: 'console' });
  const app = await buildConsoleApp({
    pool,
    broker: createBrokerAccess(config.RABBITMQ_URL, config.TOPOLOGY_PREFIX),
    token: config.CONSOLE_TOKEN,
    readOnly: config.CONSOLE_READ_ONLY,
    readiness: { ingestUrl: config.CONSOLE_INGEST_URL, workerUrls: config.CONSOLE_WORKER_URLS, retryDelaysMs: config.WORKER_RETRY_DELAYS },
    logger: { level: config.LOG_LEVEL },
  });
  const stop = async (): Promise<void> => {
    await app.close();
    await pool.end();
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await app.listen({ port: config.CONSOLE_PORT, host: config.CONSOLE_HOST });
  const { port } = app.server.address() as AddressInfo;
  // The line the local stack's supervisor waits for.
  app.log.info({ url: `http://${config.CONSOLE_HOST}:${port}`, readOnly: config.CONSOLE_READ_ONLY }, 'listening');
}

await main();

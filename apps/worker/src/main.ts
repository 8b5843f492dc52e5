import { ConfigError, createLogger, onShutdown } from '@pipeline/core';
import { loadConfig, type WorkerConfig } from './config.ts';
import { startWorker } from './worker.ts';

let config: WorkerConfig;
try {
  config = loadConfig();
} catch (err: unknown) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`worker: ${err.message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL });
const worker = await startWorker(config, logger);
logger.info({ url: worker.url }, 'listening');
onShutdown(
  logger,
  async () => {
    await worker.stop();
  },
  config.SHUTDOWN_TIMEOUT_MS + 5_000,
);

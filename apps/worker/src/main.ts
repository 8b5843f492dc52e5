import { ConfigError, createLogger, onShutdown } from '@pipeline/core';
import { loadConfig, type WorkerConfig } from './config.ts';
import { startWorker, type Worker } from './worker.ts';

let config: WorkerConfig;
try {
  config = loadConfig();
} catch (err: unknown) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`worker: ${err.message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL });
// Installed before anything starts, so a signal during start-up still shuts down cleanly.
const running: { worker?: Worker } = {};
onShutdown(
  logger,
  async () => {
    await running.worker?.stop();
  },
  config.SHUTDOWN_TIMEOUT_MS + 5_000,
);
running.worker = await startWorker(config, logger);
logger.info({ url: running.worker.url }, 'listening');
// Consuming starts once the database answers; a start-up that fails for another reason ends the process.
await running.worker.started;

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
const mode = config.livemode ? 'live' : 'test';
logger.info({ url: running.worker.url, mode, stripeApiBase: config.STRIPE_API_BASE }, 'listening');
// Said out loud: a real key pointed at the local emulator would "pay" hosts nobody pays.
if (new URL(config.STRIPE_API_BASE).hostname !== 'api.stripe.com') {
  logger.warn({ stripeApiBase: config.STRIPE_API_BASE, mode }, "calling a Stripe API that is not Stripe's own (an emulator?)");
}
try {
  // Consuming starts once the database answers and serves this worker's mode.
  await running.worker.started;
} catch (err: unknown) {
  // A key of the other mode than the database's: one line, like a bad variable.
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`worker: ${err.message}\n`);
  process.exit(1);
}

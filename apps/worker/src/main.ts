import { runService, type Logger } from '@pipeline/core';
import { loadConfig, type WorkerConfig } from './config.ts';
import { startWorker } from './worker.ts';

/** Starts the worker, says which mode and Stripe API it uses; consuming begins with `started`. */
async function startWorkerService(config: WorkerConfig, logger: Logger) {
  const worker = await startWorker(config, logger);
  const mode = config.livemode ? 'live' : 'test';
  logger.info({ url: worker.url, mode, stripeApiBase: config.STRIPE_API_BASE }, 'listening');
  // Said out loud: a real key pointed at the local emulator would "pay" hosts nobody pays.
  if (new URL(config.STRIPE_API_BASE).hostname !== 'api.stripe.com') {
    logger.warn({ stripeApiBase: config.STRIPE_API_BASE, mode }, "calling a Stripe API that is not Stripe's own (an emulator?)");
  }
  // `started`: consuming starts once the database answers and serves this worker's mode; a
  // key of the other mode than the database's is a ConfigError, reported in one line.
  return worker;
}

await runService({
  name: 'worker',
  loadConfig: () => loadConfig(),
  shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT_MS + 5_000,
  start: startWorkerService,
});

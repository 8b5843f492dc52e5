import { ConfigError, createLogger, onShutdown } from '@pipeline/core';
import { buildEmulatorApp } from './app.ts';
import { loadConfig, type EmulatorConfig } from './config.ts';

let config: EmulatorConfig;
try {
  config = loadConfig();
} catch (err: unknown) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`stripe-emulator: ${err.message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: 'stripe-emulator', level: config.LOG_LEVEL });
const app = buildEmulatorApp({ logger });
const url = await app.listen({ port: config.PORT, host: config.HOST });
// Tests and the local stack read the URL from this line, so it is written even when
// LOG_LEVEL is above info (tests run the emulator at warn to keep request logs out).
const announcer = logger.isLevelEnabled('info') || config.LOG_LEVEL === 'silent' ? logger : logger.child({}, { level: 'info' });
announcer.info({ url }, 'listening');
onShutdown(logger, async () => {
  await app.close();
});

import { fileURLToPath } from 'node:url';
import { ConfigError, createLogger, describeError, PipelineError } from '@pipeline/core';
import { busyPortLines } from './busy-ports.ts';
import { formatBanner } from './banner.ts';
import { loadConfig, type StackConfig } from './config.ts';
import { lineFormatFor, stackLogDestination } from './log-format.ts';
import { ensureServices, type Services } from './ensure-services.ts';
import { prepareServices } from './prepare-services.ts';
import { startStack, stopStack } from './stack.ts';
import { createSupervisor } from './supervisor.ts';
import { onStopRequest } from './stop-request.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

function readConfig(): StackConfig {
  try {
    return loadConfig(process.env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
// Readable in a terminal (pino-pretty), JSON when piped; the services themselves always log JSON.
const destination = stackLogDestination(process.stdout);
const logger = createLogger({ name: 'stack', level: config.LOG_LEVEL, ...(destination === undefined ? {} : { destination }) });
let services: Services | undefined;
let failing = false;

const supervisor = createSupervisor({
  cwd: repoRoot,
  stdout: process.stdout,
  stderr: process.stderr,
  format: lineFormatFor(process.stdout),
  // A dead child is not restarted: the stack stops everything, so a crash is seen, not hidden.
  onUnexpectedExit: (name, exit) => void fail(`${name} exited unexpectedly (${exit}); stopping the stack`),
});
// The children run in their own process group; whatever ends this process must not leave them behind.
process.on('exit', () => {
  supervisor.killAll();
});

async function shutdown(): Promise<void> {
  await stopStack(supervisor, config.WORKERS);
  await services?.stop();
}

async function fail(message: string): Promise<void> {
  if (failing) return;
  failing = true;
  process.stderr.write(`${message}\n`);
  await shutdown().catch((err: unknown) => {
    logger.error({ err }, 'stopping the stack failed');
  });
  process.exit(1);
}

onStopRequest({
  logger,
  stop: async () => {
    await shutdown();
    logger.info('stopped');
  },
  forceAfterMs: 90_000,
});

// A port someone already listens on: one line naming it and its holder, before anything starts.
const busy = await busyPortLines(
  {
    INGEST_PORT: config.INGEST_PORT,
    INGEST_METRICS_PORT: config.INGEST_METRICS_PORT,
    EMULATOR_PORT: config.EMULATOR_PORT,
    ...Object.fromEntries(
      Array.from({ length: config.WORKER_METRICS_PORT === 0 ? 0 : config.WORKERS }, (_unused, i) => [
        i === 0 ? 'WORKER_METRICS_PORT' : `WORKER_METRICS_PORT (+${i}, worker-${i + 1})`,
        config.WORKER_METRICS_PORT + i,
      ]),
    ),
  },
  '127.0.0.1',
);
if (busy.length > 0) {
  process.stderr.write(`${busy.join('\n')}\n`);
  process.exit(1);
}

try {
  services = await ensureServices({
    rabbitmqUrl: config.RABBITMQ_URL,
    databaseUrl: config.DATABASE_URL,
    startContainers: config.STACK_CONTAINERS === 'auto',
    logger,
  });
  const applied = await prepareServices({ ...services, topologyPrefix: config.TOPOLOGY_PREFIX });
  logger.info({ applied, topologyPrefix: config.TOPOLOGY_PREFIX }, 'database migrated and topology declared');
  const running = await startStack({ config, services, baseEnv: process.env, supervisor });
  logger.info(
    { children: [running.emulator, ...running.workers, running.ingest], ingestUrl: running.ingest.url, emulatorUrl: running.emulator.url },
    'stack ready',
  );
  process.stdout.write(formatBanner(config, services, running));
} catch (err: unknown) {
  // A signal during start-up stops the children, which then fail their start: not a failure to report.
  if (!supervisor.stopping) {
    await fail(err instanceof PipelineError && err.code === 'SERVICE_UNREACHABLE' ? err.message : `the stack could not start: ${describeError(err)}`);
  }
}

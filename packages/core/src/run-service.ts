import { ConfigError } from './errors.ts';
import { createLogger, type Logger } from './logger.ts';
import { onShutdown } from './shutdown.ts';
import { startTracing, type Tracing } from './tracing.ts';

/** A started service, as {@link runService} needs it. */
export interface RunningService {
  /** Stops taking work, finishes what is in flight, closes every connection. */
  stop(): Promise<void>;
  /**
   * Settles once start-up work that continues after `start` resolved is done (the worker's
   * mode claim); a ConfigError from it is reported like a bad variable. Default: none.
   */
  readonly started?: Promise<void>;
}

/** How one service (the ingest, the worker) is configured and started. */
export interface ServiceDefinition<Config extends { readonly LOG_LEVEL: string }> {
  /** The process name: the logger's `name` and the prefix of a configuration error. */
  readonly name: string;
  /** Reads and validates the environment; throws a ConfigError naming each bad variable. */
  readonly loadConfig: () => Config;
  /** How long a shutdown may take before the process is ended anyway; default 30000 ms. */
  readonly shutdownTimeoutMs?: (config: Config) => number;
  /** Builds the service's dependencies and starts it; resolves once it serves. */
  readonly start: (config: Config, logger: Logger) => Promise<RunningService>;
}

/**
 * The one bootstrap of the ingest and the worker: load the configuration (a ConfigError is
 * written to stderr in one line, `<name>: <message>`, and the process exits 1), create the
 * logger, register the shutdown (before anything starts, so a signal during start-up still
 * shuts down cleanly), start tracing when the OTEL_* variables ask for it, then start. A ConfigError found while starting (the worker's mode
 * claim) is reported the same way.
 */
export async function runService<Config extends { readonly LOG_LEVEL: string }>(service: ServiceDefinition<Config>): Promise<void> {
  const config = orExitOnConfigError(service.name, service.loadConfig);
  const logger = createLogger({ name: service.name, level: config.LOG_LEVEL });
  const running: { service?: RunningService; tracing?: Tracing | undefined } = {};
  onShutdown(
    logger,
    async () => {
      await running.service?.stop();
      // After the service: the spans of its last messages are flushed too.
      await running.tracing?.shutdown();
    },
    service.shutdownTimeoutMs?.(config),
  );
  try {
    // Off unless OTEL_TRACES_EXPORTER names an exporter; then the SDK loads before any span starts.
    running.tracing = await startTracing(service.name, logger);
    running.service = await service.start(config, logger);
    await running.service.started;
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    exitOnConfigError(service.name, err);
  }
}

function orExitOnConfigError<T>(name: string, load: () => T): T {
  try {
    return load();
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    return exitOnConfigError(name, err);
  }
}

function exitOnConfigError(name: string, err: ConfigError): never {
  // The message names each bad variable and never a value; a stack would add nothing.
  process.stderr.write(`${name}: ${err.message}\n`);
  // Not exitCode: the shutdown handler would run on beforeExit and exit 0.
  process.exit(1);
}

import type { Logger } from '@pipeline/core';

/** Signals that arrive this close together are one request: a terminal's Ctrl-C reaches the stack twice, once from the tty and once forwarded by npm. */
const sameRequestMs = 1_000;
/** How often the stack checks that the process that started it (npm, a shell) is still there. */
const parentCheckMs = 500;

/**
 * Stops the stack once on SIGINT, SIGTERM, SIGHUP, or when its parent process goes away
 * (`npm start` killed with SIGKILL: the stack is re-parented, and must not run on alone).
 * A second signal more than a second after the first ends the process at once with 1,
 * as does a stop that outlasts `forceAfterMs` or fails; a clean stop exits 0.
 */
export function onStopRequest(options: { logger: Logger; stop: () => Promise<void>; forceAfterMs: number }): void {
  const { logger } = options;
  let firstAt: number | undefined;
  const parent = process.ppid;

  function request(reason: string): void {
    const now = Date.now();
    if (firstAt !== undefined) {
      if (now - firstAt < sameRequestMs) return;
      logger.error({ reason }, 'second stop request: exiting at once');
      process.exit(1);
    }
    firstAt = now;
    clearInterval(parentWatch);
    logger.info({ reason }, 'shutting down');
    setTimeout(() => {
      logger.error({ forceAfterMs: options.forceAfterMs }, 'stopping took too long: exiting at once');
      process.exit(1);
    }, options.forceAfterMs).unref();
    options.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => { request(signal); });
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (err: unknown) => {
      logger.fatal({ err }, 'fatal error, shutting down');
      request(event);
    });
  }
  // process.ppid is read afresh on each access: it changes when the parent dies.
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) request(`parent process ${parent} is gone`);
  }, parentCheckMs);
  parentWatch.unref();
}

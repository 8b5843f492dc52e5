import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

/**
 * Runs `close` once on SIGTERM, SIGINT, or an uncaught error, then exits (0 after a clean
 * close). A second signal, or a close that outlasts `delayMs`, ends the process at once.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, delayMs = 30_000): void {
  closeWithGrace({ delay: delayMs }, async ({ signal, err }) => {
    if (err) logger.fatal({ err }, 'fatal error, shutting down');
    else logger.info({ signal }, 'shutting down');
    await close();
    logger.info('stopped');
  });
}

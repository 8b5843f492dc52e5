import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

/**
 * Runs `close` once on SIGTERM, SIGINT, or an uncaught error, then exits (0 after a clean
 * close). A second signal, an error during the close, or a close that outlasts `delayMs`
 * ends the process at once with 1, and says why in the log.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, delayMs = 30_000): void {
  closeWithGrace(
    {
      delay: delayMs,
      logger: {
        error: (message: unknown) => {
          if (message instanceof Error) logger.error({ err: message }, 'error while shutting down');
          else logger.error({ detail: String(message) }, 'shutdown cut short');
        },
      },
    },
    async ({ signal, err }) => {
      if (err) logger.fatal({ err }, 'fatal error, shutting down');
      else logger.info({ signal }, 'shutting down');
      await close();
      logger.info('stopped');
    },
  );
}

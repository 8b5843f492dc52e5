/** Ctrl-C (or SIGTERM) during bulk work: finish the message in hand, then stop. */
export interface Interruption {
  /** Aborts on the first signal. */
  readonly signal: AbortSignal;
  readonly requested: boolean;
  /** Removes the signal handlers. */
  dispose(): void;
}

/** The exit status of a run stopped by a signal, as shells report SIGINT. */
export const interruptedExitCode = 130;

/**
 * Watches SIGINT and SIGTERM. The first asks the running command to stop after the
 * message in hand (so nothing is left half done); a second one exits at once, which is
 * still safe since the broker takes back every unacknowledged message.
 */
export function watchInterruption(): Interruption {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(interruptedExitCode);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get requested() {
      return controller.signal.aborted;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

import { setTimeout as delay } from 'node:timers/promises';

/** Spaces out work to a steady rate. */
export interface Pacer {
  /** Resolves when the next item may start; rejects with an AbortError when `signal` aborts first. */
  next(signal?: AbortSignal): Promise<void>;
}

/**
 * Paces to `perSecond` items a second from the first call on (no pacing when undefined).
 * Slots are fixed in advance, so a slow item does not slow the ones after it.
 */
export function createPacer(perSecond: number | undefined, now: () => number = Date.now): Pacer {
  let start: number | undefined;
  let count = 0;
  return {
    async next(signal) {
      if (perSecond === undefined) return;
      start ??= now();
      const due = start + (count * 1000) / perSecond;
      count += 1;
      const wait = due - now();
      if (wait > 0) await delay(wait, undefined, signal === undefined ? {} : { signal });
    },
  };
}

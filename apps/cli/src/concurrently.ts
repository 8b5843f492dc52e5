/**
 * Runs `work` on each item with at most `concurrency` at once, in order of start. Stops
 * starting new items once `shouldStop` says so or one item threw; rejects with the first
 * error after the items in flight have settled.
 */
export async function forEachConcurrently<T>(
  items: Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  async function runner(): Promise<void> {
    for (;;) {
      if (failure !== undefined || shouldStop()) return;
      const next = iterator.next();
      if (next.done === true) return;
      try {
        await work(next.value);
      } catch (err: unknown) {
        failure ??= { error: err };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, runner));
  if (failure !== undefined) throw failure.error;
}

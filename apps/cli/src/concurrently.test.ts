import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from './concurrently.ts';
import { createPacer } from './pacer.ts';

describe('forEachConcurrently', () => {
  it('runs every item with at most `concurrency` at once', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5], 2, async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      done.push(item);
      running -= 1;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });

  it('stops starting items when asked, and rejects with the first error', async () => {
    const started: number[] = [];
    await forEachConcurrently([1, 2, 3], 1, (item) => {
      started.push(item);
      return Promise.resolve();
    }, () => started.length >= 2);
    expect(started).toEqual([1, 2]);
    await expect(forEachConcurrently([1, 2, 3], 1, (item) => (item === 2 ? Promise.reject(new Error('two')) : Promise.resolve()))).rejects.toThrow('two');
  });
});

describe('createPacer', () => {
  it('does not wait without a rate, and gives up waiting when aborted', async () => {
    await createPacer(undefined).next();
    const pacer = createPacer(0.001);
    await pacer.next();
    const controller = new AbortController();
    const waiting = pacer.next(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
  });
});

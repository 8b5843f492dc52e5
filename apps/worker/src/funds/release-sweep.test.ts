import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './release-sweep.ts';

describe('retryDelayMs', () => {
  const delays = [1_000, 5_000, 60_000];

  it('retries a first failure at the next round, then waits each delay in turn', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(delays, attempts))).toEqual([0, 1_000, 5_000, 60_000]);
  });

  it('repeats the last delay for as long as it takes, never giving up', () => {
    expect(retryDelayMs(delays, 50)).toBe(60_000);
  });
});

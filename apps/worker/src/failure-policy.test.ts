import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '@pipeline/core';
import { decideOnFailure } from './failure-policy.ts';

const delays = [1_000, 60_000, 3_600_000];

describe('decideOnFailure', () => {
  it('retries with growing delays, one delay per failed attempt', () => {
    const err = new TransientError('stripe answered 503');
    expect(decideOnFailure(err, 0, delays)).toEqual({ action: 'retry', attempts: 1, delayMs: 1_000 });
    expect(decideOnFailure(err, 1, delays)).toEqual({ action: 'retry', attempts: 2, delayMs: 60_000 });
    expect(decideOnFailure(err, 2, delays)).toEqual({ action: 'retry', attempts: 3, delayMs: 3_600_000 });
  });

  it('parks after the last attempt, one more than there are delays', () => {
    expect(decideOnFailure(new Error('still down'), 3, delays)).toEqual({ action: 'park', attempts: 4, reason: 'exhausted' });
  });

  it('parks a permanent error at once', () => {
    expect(decideOnFailure(new PermanentError('no customer on the invoice'), 0, delays)).toEqual({ action: 'park', attempts: 1, reason: 'permanent' });
  });

  it('treats anything unknown as worth retrying', () => {
    expect(decideOnFailure('a thrown string', 0, delays).action).toBe('retry');
  });
});

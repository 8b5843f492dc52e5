import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '@pipeline/core';
import pg from 'pg';
import { DatabaseLockTimeoutError, DatabaseUnavailableError } from '@pipeline/db';
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

describe('decideOnFailure during a database outage', () => {
  it('retries an unreachable database after the first delay without counting an attempt', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(decideOnFailure(refused, 0, delays)).toEqual({ action: 'retry', attempts: 0, delayMs: 1_000 });
    expect(decideOnFailure(refused, 2, delays)).toEqual({ action: 'retry', attempts: 2, delayMs: 1_000 });
  });

  it('never parks an outage, even after the last attempt', () => {
    expect(decideOnFailure(new DatabaseUnavailableError('database unavailable: Query read timeout'), 3, delays)).toEqual({ action: 'retry', attempts: 3, delayMs: 1_000 });
    expect(decideOnFailure(new Error('Connection terminated unexpectedly'), 3, delays).action).toBe('retry');
  });

  it('retries a lock wait that ran out of lock_timeout without counting an attempt', () => {
    const lockTimeout = new DatabaseLockTimeoutError('database lock wait timed out', { cause: databaseError('55P03', 'canceling statement due to lock timeout') });
    expect(decideOnFailure(lockTimeout, 1, delays)).toEqual({ action: 'retry', attempts: 1, delayMs: 1_000 });
    expect(decideOnFailure(databaseError('55P03', 'canceling statement due to lock timeout'), 3, delays).action).toBe('retry');
  });

  it('counts a statement timeout as an attempt: the statement may be the event’s own doing', () => {
    expect(decideOnFailure(databaseError('57014', 'canceling statement due to statement timeout'), 0, delays)).toEqual({ action: 'retry', attempts: 1, delayMs: 1_000 });
    expect(decideOnFailure(databaseError('57014', 'canceling statement due to statement timeout'), 3, delays)).toEqual({ action: 'park', attempts: 4, reason: 'exhausted' });
  });

  it('does not mistake a command’s own failure for an outage', () => {
    expect(decideOnFailure(new TransientError('stripe answered 503'), 3, delays)).toEqual({ action: 'park', attempts: 4, reason: 'exhausted' });
    expect(decideOnFailure(databaseError('23505', 'duplicate key value violates unique constraint'), 0, delays)).toEqual({ action: 'retry', attempts: 1, delayMs: 1_000 });
  });
});

function databaseError(code: string, message: string): pg.DatabaseError {
  const err = new pg.DatabaseError(message, 0, 'error');
  err.code = code;
  return err;
}

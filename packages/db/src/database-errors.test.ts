import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '@pipeline/core';
import { asDatabaseError, databaseFailureOf, DatabaseLockTimeoutError, DatabaseUnavailableError, isDatabaseUnavailable } from './database-errors.ts';

function databaseError(code: string, message = 'from the server'): pg.DatabaseError {
  const err = new pg.DatabaseError(message, 0, 'error');
  err.code = code;
  return err;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

describe('databaseFailureOf', () => {
  it('reads connection failures of the socket, the server and pg itself as unavailable', () => {
    for (const err of [
      socketError('ECONNREFUSED'),
      socketError('ECONNRESET'),
      socketError('ETIMEDOUT'),
      databaseError('57P01', 'terminating connection due to administrator command'),
      databaseError('08006'),
      databaseError('25P03', 'terminating connection due to idle-in-transaction timeout'),
      new Error('Query read timeout'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      expect(databaseFailureOf(err), String(err)).toBe('unavailable');
    }
  });

  it('tells a lock timeout from a statement timeout', () => {
    expect(databaseFailureOf(databaseError('55P03', 'canceling statement due to lock timeout'))).toBe('lock-timeout');
    expect(databaseFailureOf(databaseError('57014', 'canceling statement due to statement timeout'))).toBe('statement-timeout');
  });

  it('finds the failure anywhere in the cause chain', () => {
    expect(databaseFailureOf(new TransientError('could not record', { cause: new Error('wrapped', { cause: socketError('ECONNREFUSED') }) }))).toBe('unavailable');
  });

  it('leaves every other error alone', () => {
    expect(databaseFailureOf(databaseError('23505', 'duplicate key'))).toBeUndefined();
    expect(databaseFailureOf(new PermanentError('no customer on the invoice'))).toBeUndefined();
    expect(databaseFailureOf('a thrown string')).toBeUndefined();
    expect(isDatabaseUnavailable(new Error('stripe answered 503'))).toBe(false);
  });
});

describe('asDatabaseError', () => {
  it('wraps an outage and a lock timeout in transient errors with stable codes, keeping the cause', () => {
    const refused = socketError('ECONNREFUSED');
    const unavailable = asDatabaseError(refused);
    expect(unavailable).toBeInstanceOf(DatabaseUnavailableError);
    expect(unavailable).toBeInstanceOf(TransientError);
    expect(unavailable).toMatchObject({ code: 'DATABASE_UNAVAILABLE', cause: refused });
    expect((unavailable as Error).message).toContain(refused.message);
    expect(asDatabaseError(databaseError('55P03'))).toBeInstanceOf(DatabaseLockTimeoutError);
    expect(asDatabaseError(databaseError('55P03'))).toMatchObject({ code: 'DATABASE_LOCK_TIMEOUT' });
  });

  it('returns any other error unchanged', () => {
    const err = new PermanentError('no customer on the invoice');
    expect(asDatabaseError(err)).toBe(err);
    const timeout = databaseError('57014');
    expect(asDatabaseError(timeout)).toBe(timeout);
  });
});

import pg from 'pg';
import { TransientError } from '@pipeline/core';

/**
 * How a failure involving PostgreSQL should be treated, read from the error (or any error in
 * its `cause` chain):
 * - `unavailable`: the database cannot be reached or the connection broke or stopped
 *   answering. Nothing about the event is at fault; it is worth retrying for as long as the
 *   outage lasts.
 * - `lock-timeout`: a lock wait (an event's advisory lock, a row lock) ran out of
 *   `lock_timeout`: another session holds it, usually one that will soon commit or be ended.
 * - `statement-timeout`: a statement ran out of `statement_timeout`: transient, but it may be
 *   this event's own doing, so it counts as an attempt.
 */
export type DatabaseFailure = 'unavailable' | 'lock-timeout' | 'statement-timeout';

/** Socket errors of a connection that could not be made or broke. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is going away or refusing sessions: class 08 (connection
 * exception) is matched by prefix. 25P03 is our own session ended by
 * idle_in_transaction_session_timeout.
 */
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300', '25P03']);

/** pg's and pg-pool's own errors, which carry no code: a connection lost, closed, or silent past a bound. */
const clientMessages = new Set([
  'Query read timeout',
  'Connection terminated',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
]);

function classifyOne(err: unknown): DatabaseFailure | undefined {
  if (err instanceof DatabaseUnavailableError) return 'unavailable';
  if (err instanceof DatabaseLockTimeoutError) return 'lock-timeout';
  if (err instanceof pg.DatabaseError) {
    const state = err.code ?? '';
    if (state === '55P03') return 'lock-timeout';
    if (state === '57014') return 'statement-timeout';
    if (state.startsWith('08') || unavailableStates.has(state)) return 'unavailable';
    return undefined;
  }
  if (!(err instanceof Error)) return undefined;
  if (clientMessages.has(err.message)) return 'unavailable';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && socketCodes.has(code)) return 'unavailable';
  return undefined;
}

/** The kind of database failure `err` is, or undefined when it is none of them. */
export function databaseFailureOf(err: unknown): DatabaseFailure | undefined {
  const seen = new Set<unknown>();
  for (let current = err; current !== undefined && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const kind = classifyOne(current);
    if (kind !== undefined) return kind;
  }
  return undefined;
}

/**
 * True when the database could not be reached, or the connection broke or stopped answering
 * (then it can no longer be trusted: a query that timed out on the client side may still run).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return databaseFailureOf(err) === 'unavailable';
}

/** The database could not be reached or stopped answering: retried, never parked. */
export class DatabaseUnavailableError extends TransientError {
  override readonly code = 'DATABASE_UNAVAILABLE';
}

/** A lock was not granted within `lock_timeout` (SQLSTATE 55P03): retried, never parked. */
export class DatabaseLockTimeoutError extends TransientError {
  override readonly code = 'DATABASE_LOCK_TIMEOUT';
}

/**
 * `err` wrapped in the error class its database failure calls for (the original as `cause`,
 * its message kept), or `err` itself when it is no database failure or already wrapped.
 * Statement timeouts stay as they are: transient, like any unknown error.
 */
export function asDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError || err instanceof DatabaseLockTimeoutError) return err;
  const kind = databaseFailureOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (kind === 'unavailable') return new DatabaseUnavailableError(`database unavailable: ${message}`, { cause: err });
  if (kind === 'lock-timeout') return new DatabaseLockTimeoutError(`database lock wait timed out: ${message}`, { cause: err });
  return err;
}

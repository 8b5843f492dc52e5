import pg from 'pg';
import { databaseTimeoutDefaults, type DatabaseTimeouts } from '@pipeline/core';
import { asDatabaseError, isDatabaseUnavailable } from './database-errors.ts';

export type { Pool, PoolClient } from 'pg';

/**
 * A connection pool; `max` defaults to 10. Errors of idle clients are logged, not thrown.
 * Every wait is bounded by `timeouts` (default `databaseTimeoutDefaults`): the server
 * cancels a statement or a lock wait and ends a session left idle in a transaction; the
 * client gives up on a connection attempt or a query the server no longer answers.
 */
export function createPool(options: { url: string; max?: number; applicationName?: string; onError?: (err: Error) => void; timeouts?: DatabaseTimeouts }): pg.Pool {
  const timeouts = options.timeouts ?? databaseTimeoutDefaults;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'stripe-pipeline',
    connectionTimeoutMillis: timeouts.connectMs,
    idleTimeoutMillis: 30_000,
    // Sent as startup parameters: the server enforces them on every statement of the session.
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.lockMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // The server's bounds need a server that answers; this one holds when it does not.
    query_timeout: timeouts.queryMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeouts.keepAliveInitialDelayMs,
  });
  // An idle client that loses its server emits here; without a listener it would crash the process.
  pool.on('error', (err) => options.onError?.(err));
  return pool;
}

/**
 * Runs `work` in a transaction on one client: COMMIT when it resolves, ROLLBACK when it throws.
 * `opening` replaces the lone BEGIN when given: a simple-protocol query string that starts
 * with BEGIN and goes on with more statements, all sent in one round trip; `work` receives
 * their results, BEGIN's first. A database failure is thrown as a DatabaseUnavailableError
 * or DatabaseLockTimeoutError (the original as `cause`), whichever query raised it.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient, opened: readonly pg.QueryResult[]) => Promise<T>, opening = 'BEGIN'): Promise<T> {
  const client = await pool.connect().catch((err: unknown) => {
    throw asDatabaseError(err);
  });
  // A client checked out of the pool has no 'error' listener (the pool's is only on idle
  // clients): a connection lost while the transaction holds it, between two queries or
  // during one, would be an uncaught 'error' that kills the process. The failure reaches
  // the transaction anyway: its next query, or COMMIT, rejects, and nothing is committed.
  let lost: Error | undefined;
  const onError = (err: Error): void => {
    lost = err;
  };
  client.on('error', onError);
  try {
    // Several statements in one string answer with an array of results, one with a result.
    const opened: pg.QueryResult | pg.QueryResult[] = await client.query(opening);
    const result = await work(client, Array.isArray(opened) ? opened : [opened]);
    await client.query('COMMIT');
    return result;
  } catch (err: unknown) {
    // A connection that failed or stopped answering cannot roll back (a ROLLBACK would only
    // wait out its own query timeout): destroying it makes the server roll back, at once or
    // once idle_in_transaction_session_timeout ends a session it still believes in.
    if (isDatabaseUnavailable(err)) lost ??= err instanceof Error ? err : new Error('database connection broken', { cause: err });
    else await client.query('ROLLBACK').catch(() => undefined);
    throw asDatabaseError(err);
  } finally {
    client.off('error', onError);
    // A client whose connection failed or timed out is destroyed rather than handed out again:
    // a timed-out query may still be running, and its late answer would reach the next user.
    client.release(lost);
  }
}

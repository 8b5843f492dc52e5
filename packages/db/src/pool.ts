import pg from 'pg';

export type { Pool, PoolClient } from 'pg';

/** A connection pool; `max` defaults to 10. Errors of idle clients are logged, not thrown. */
export function createPool(options: { url: string; max?: number; applicationName?: string; onError?: (err: Error) => void }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'stripe-pipeline',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server emits here; without a listener it would crash the process.
  pool.on('error', (err) => options.onError?.(err));
  return pool;
}

/**
 * Runs `work` in a transaction on one client: COMMIT when it resolves, ROLLBACK when it throws.
 * `opening` replaces the lone BEGIN when given: a simple-protocol query string that starts
 * with BEGIN and goes on with more statements, all sent in one round trip; `work` receives
 * their results, BEGIN's first.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient, opened: readonly pg.QueryResult[]) => Promise<T>, opening = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
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
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    // A client whose connection failed is destroyed rather than handed out again.
    client.release(lost);
  }
}

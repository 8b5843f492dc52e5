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

/** Runs `work` in a transaction on one client: COMMIT when it resolves, ROLLBACK when it throws. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err: unknown) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

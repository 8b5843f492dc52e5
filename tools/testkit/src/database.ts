import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from '@pipeline/db';
import { adminQuery, databaseUrlFor } from './services.ts';

export interface TestDatabase {
  /** URL of a fresh database with every migration applied. */
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh copy of the migrated template database, so test files run in parallel. */
export async function createTestDatabase(serverUrl: string, template: string): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = databaseUrlFor(serverUrl, name);
  const pool = createPool({ url, max: 5, applicationName: 'tests' });
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

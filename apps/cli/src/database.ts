import type { DatabaseTimeouts } from '@pipeline/core';
import { createPool, type Pool } from '@pipeline/db';
import { CliError } from './cli-error.ts';

/** `host:port/database` of a database URL, for messages: never the credentials. */
export function databaseName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}

/**
 * A small pool for one command, checked with a first query so an unreachable database is
 * one clear error rather than a failure halfway through. The caller ends it. `timeouts`
 * (the DATABASE_*_MS variables) default to the same bounds as the worker's.
 */
export async function openDatabase(url: string, timeouts?: DatabaseTimeouts): Promise<Pool> {
  const pool = createPool({ url, max: 2, applicationName: 'stripe-pipeline-cli', ...(timeouts === undefined ? {} : { timeouts }) });
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch (err: unknown) {
    await pool.end().catch(() => undefined);
    throw new CliError('DATABASE_UNREACHABLE', `cannot reach the database at ${databaseName(url)} (DATABASE_URL)`, { cause: err });
  }
}

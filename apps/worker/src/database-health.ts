import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@pipeline/core';
import type { Pool } from '@pipeline/db';
import type { QueryConfig } from 'pg';

/** Whether the database answers, kept fresh by a ping. */
export interface DatabaseHealth {
  /** True while the last ping answered. */
  readonly up: boolean;
  /** Resolves once a ping answered (at once if one already has); rejects once stopped. */
  untilUp(): Promise<void>;
  /** Stops pinging; resolves once a ping in flight has finished. */
  stop(): Promise<void>;
}

export interface DatabaseHealthOptions {
  readonly pool: Pool;
  /** The DATABASE_URL, named in logs without its credentials. */
  readonly url: string;
  /** Time between pings once the database answered; also each ping's own timeout. */
  readonly intervalMs: number;
  readonly logger: Logger;
}

/** `host:port/database` of a database URL: what a log may say about it, never the password. */
export function databaseName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}

/**
 * Pings the database with `SELECT 1`: at start-up with a growing backoff (250 ms doubling up
 * to `intervalMs`), logging every failed attempt so an operator sees at once that
 * DATABASE_URL is wrong; then every `intervalMs`, logging only changes. A ping that does
 * not answer within `intervalMs` counts as down: a database that stopped answering is
 * reported before the longer query timeout would notice.
 */
export function watchDatabase(options: DatabaseHealthOptions): DatabaseHealth {
  const { logger, intervalMs } = options;
  const database = databaseName(options.url);
  const stopped = new AbortController();
  let up = false;
  let everUp = false;
  const waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  async function ping(): Promise<boolean> {
    try {
      // pg honours a per-query query_timeout; its types do not declare it.
      const query: QueryConfig & { query_timeout: number } = { text: 'SELECT 1', query_timeout: intervalMs };
      await options.pool.query(query);
      return true;
    } catch (err: unknown) {
      if (!everUp) logger.warn({ err, database }, 'database not answering (DATABASE_URL); not consuming until it does');
      else if (up) logger.error({ err, database }, 'database stopped answering; the worker is not ready');
      return false;
    }
  }

  const isStopped = (): boolean => stopped.signal.aborted;

  async function loop(): Promise<void> {
    let backoffMs = Math.min(250, intervalMs);
    while (!isStopped()) {
      const answered = await ping();
      if (isStopped()) return;
      if (answered && !up && everUp) logger.info({ database }, 'database answers again');
      if (answered && !everUp) logger.info({ database }, 'database answers');
      up = answered;
      if (answered) {
        everUp = true;
        for (const waiter of waiters.splice(0)) waiter.resolve();
      }
      const waitMs = everUp ? intervalMs : backoffMs;
      backoffMs = Math.min(backoffMs * 2, intervalMs);
      await sleep(waitMs, undefined, { signal: stopped.signal }).catch(() => undefined);
    }
  }
  const looping = loop();

  return {
    get up() {
      return up;
    },
    untilUp() {
      if (everUp) return Promise.resolve();
      if (stopped.signal.aborted) return Promise.reject(new Error('stopped before the database answered'));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    async stop() {
      stopped.abort();
      for (const waiter of waiters.splice(0)) waiter.reject(new Error('stopped before the database answered'));
      await looping;
    },
  };
}

import type pg from 'pg';
import type Stripe from 'stripe';
import type { Logger } from '@pipeline/core';
import { isHostPayable, lockDueTransfer, tryLockHost, withTransaction } from '@pipeline/db';
import { releaseHeldTransfer } from './release-held-transfer.ts';

export interface ReleaseSweepOptions {
  readonly pool: pg.Pool;
  readonly stripe: Stripe;
  readonly logger: Logger;
  /** Pause between rounds (TRANSFER_SWEEP_INTERVAL_MS). */
  readonly intervalMs: number;
  /** Waits after each failed retry of a transfer Stripe refused for `balance_insufficient` (TRANSFER_FUNDS_RETRY_DELAYS). */
  readonly fundsRetryDelaysMs: readonly number[];
  /** Waits after each failed retry of a release that failed otherwise (TRANSFER_RELEASE_RETRY_DELAYS). */
  readonly releaseRetryDelaysMs: readonly number[];
  /** Most transfers released in one round; default 100. */
  readonly batchSize?: number;
}

/** The release sweep of one worker. */
export interface ReleaseSweep {
  /** Runs one round now; resolves with how many transfers it tried. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

/**
 * The wait before the next retry of a held transfer after its `attempts`-th failure: the
 * first failure (recorded by the command that met it) is retried at the sweep's next round,
 * the n-th after `delays[n - 2]`, the last delay repeating for as long as it takes. A
 * transfer is never given up: held money is an operator's question, not a dead letter.
 */
export function retryDelayMs(delays: readonly number[], attempts: number): number {
  if (attempts <= 1 || delays.length === 0) return 0;
  return delays[Math.min(attempts - 2, delays.length - 1)] ?? 0;
}

/**
 * Starts the sweep that retries held transfers whose retry is due (`next_attempt_at`):
 * those Stripe refused for `balance_insufficient` and releases that failed, while their
 * host can be paid. Each transfer is tried in its own transaction on a row locked with
 * SKIP LOCKED, so replicas sweeping together never release the same row; a host whose
 * lock a command holds is left for the next round.
 */
export function startReleaseSweep(options: ReleaseSweepOptions): ReleaseSweep {
  const { pool, logger } = options;
  const batchSize = options.batchSize ?? 100;
  const retryInMs = (reason: 'awaiting_funds' | 'release_failed', attempts: number): number =>
    retryDelayMs(reason === 'awaiting_funds' ? options.fundsRetryDelaysMs : options.releaseRetryDelaysMs, attempts);

  async function releaseOne(skipHosts: string[]): Promise<'released' | 'idle' | { busy: string }> {
    return withTransaction(pool, async (db) => {
      const row = await lockDueTransfer(db, skipHosts);
      if (row === undefined) return 'idle';
      const busy = { busy: row.host_account_id };
      if (!(await tryLockHost(db, row.host_account_id))) return busy;
      // Read again under the host's lock: a deauthorization may have committed since the pick.
      if (!(await isHostPayable(db, row.host_account_id))) return busy;
      await releaseHeldTransfer({ db, stripe: options.stripe, logger }, row, retryInMs);
      return 'released';
    });
  }

  async function runOnce(): Promise<number> {
    let tried = 0;
    // A host a command is working on is left for the next round; the round goes on with the others.
    const skipHosts: string[] = [];
    while (tried < batchSize) {
      const result = await releaseOne(skipHosts);
      if (result === 'idle') break;
      if (result === 'released') tried += 1;
      else skipHosts.push(result.busy);
    }
    return tried;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .then((tried) => {
          if (tried > 0) logger.info({ tried }, 'release sweep round');
        })
        .catch((err: unknown) => {
          logger.warn({ err }, 'release sweep round failed');
        })
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

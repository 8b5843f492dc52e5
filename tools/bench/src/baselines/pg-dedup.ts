import { performance } from 'node:perf_hooks';
import { createPool, recordOutcome, withEventTransaction, type LedgerEvent } from '@pipeline/db';
import { stripeId } from '@pipeline/stripe-events';
import { createLatencyRecorder, type LatencySummary } from '../load/latency-recorder.ts';
import { benchEventType } from '../load/payload-pool.ts';
import { watchResources, type ResourceUse } from '../system/resource-watch.ts';

/** Baseline (c): PostgreSQL's rate for the worker's dedup transaction. */
export interface PgDedupResult {
  /** Transactions in flight at once (connections). */
  readonly concurrency: number;
  readonly durationS: number;
  readonly transactions: number;
  readonly ratePerS: number;
  /** BEGIN to COMMIT. */
  readonly latency: LatencySummary;
  /** CPU of the bench (the client) and PostgreSQL during the run. */
  readonly resources: ResourceUse;
}

export interface PgDedupOptions {
  readonly databaseUrl: string;
  readonly concurrency: number;
  readonly durationS: number;
}

/**
 * The ledger part of the worker's transaction, with the worker's own functions
 * (`packages/db/src/event-ledger.ts`): BEGIN, advisory xact lock on the event id and select of its
 * outcome (one round trip), upsert the `stripe_events` row, COMMIT — for a new event id each time, with
 * `concurrency` transactions at once as a worker pool of that size would run. No command,
 * no broker: the database's ceiling for what the worker must do per event.
 */
export async function measureDedupInsert(options: PgDedupOptions): Promise<PgDedupResult> {
  const pool = createPool({ url: options.databaseUrl, max: options.concurrency, applicationName: 'bench-dedup' });
  const latencies = createLatencyRecorder();
  try {
    // Open every connection first: the run measures transactions, not connection setup.
    const clients = await Promise.all(Array.from({ length: options.concurrency }, () => pool.connect()));
    for (const client of clients) client.release();
    const watch = watchResources({ processes: {} });
    const startedAt = performance.now();
    const deadline = startedAt + options.durationS * 1000;
    let transactions = 0;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const event: LedgerEvent = { id: stripeId('evt'), type: benchEventType, endpoint: 'platform', account: undefined, livemode: false, created: Math.floor(Date.now() / 1000) };
        const began = performance.now();
        await withEventTransaction(pool, event.id, (db) => recordOutcome(db, event, 'processed', 1, undefined));
        latencies.record(performance.now() - began);
        transactions += 1;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, loop));
    const durationS = (performance.now() - startedAt) / 1000;
    const resources = watch.stop();
    return { concurrency: options.concurrency, durationS, transactions, ratePerS: transactions / durationS, latency: latencies.summary(), resources };
  } finally {
    await pool.end();
  }
}

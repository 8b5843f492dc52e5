import { sleep } from '@pipeline/testkit';
import { wallClockMs } from '../load/paced-load.ts';
import type { AppEntry } from '../system/app-entry.ts';
import type { BenchServices } from '../system/bench-services.ts';
import { watchResources, type ResourceUse } from '../system/resource-watch.ts';
import { startWorkerReplica, type ChildOptions } from './pipeline-processes.ts';
import { prefillWorkQueue } from './prefill-queue.ts';

/** Worker replicas draining a pre-filled queue. */
export interface WorkerRun {
  readonly replicas: number;
  readonly events: number;
  /** Events committed per second once every replica was consuming. */
  readonly ratePerS: number;
  /** How `ratePerS` was taken: after all replicas were ready, or (a run too short for that) over the whole drain. */
  readonly rateWindow: 'all-replicas-ready' | 'whole-drain';
  /** From spawning the replicas to the last commit: what an operator waits for. */
  readonly wallS: number;
  /** From spawn to every replica's /readyz answering 200. */
  readonly startupS: number;
  readonly resources: ResourceUse;
  /** Exactly-once check: rows, rows `processed`, subscriptions written. Each must equal `events`. */
  readonly check: { readonly rows: number; readonly processed: number; readonly subscriptions: number };
  /** Wall-clock ms: every replica ready, last commit, every replica exited (for profile windows). */
  readonly timeline: { readonly readyAtMs: number; readonly lastCommitMs: number; readonly stoppedAtMs: number };
}

export interface WorkerRunOptions extends ChildOptions {
  readonly replicas: number;
  readonly events: number;
}

async function countRows(services: BenchServices): Promise<number> {
  const { rows } = await services.pool.query<{ n: string }>('SELECT count(*) AS n FROM stripe_events');
  return Number(rows[0]?.n ?? 0);
}

/**
 * Pre-fills the work queue with `events` events while no worker runs, starts `replicas`
 * workers, and waits until `stripe_events` holds a row for each. Commit times come from the
 * rows themselves (`updated_at`, the transaction's clock_timestamp()), so the rate does not
 * depend on how often this process polls.
 */
export async function measureWorkers(entry: AppEntry, services: BenchServices, options: WorkerRunOptions): Promise<WorkerRun> {
  await services.resetTables();
  await services.purgeWorkQueue();
  await prefillWorkQueue(services, options.events);

  const spawnedAt = wallClockMs();
  const started = await Promise.allSettled(Array.from({ length: options.replicas }, (_, i) => startWorkerReplica(entry, services, i + 1, options)));
  const replicas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  let stoppedAtMs = 0;
  const stopAll = async (): Promise<void> => {
    if (stoppedAtMs !== 0) return;
    await Promise.all(replicas.map((replica) => replica.stop()));
    stoppedAtMs = wallClockMs();
  };
  try {
    if (failed !== undefined) throw failed.reason;
    const readyAt = wallClockMs();
    const watch = watchResources({ processes: Object.fromEntries(replicas.map((replica) => [replica.name, replica.pid])) });
    const deadline = Date.now() + Math.max(120_000, options.events * 20);
    while ((await countRows(services)) < options.events) {
      if (Date.now() > deadline) throw new Error(`the workers committed ${await countRows(services)} of ${options.events} events in time`);
      await sleep(50);
    }
    const resources = watch.stop();
    const { rows } = await services.pool.query<{ after: string; first_ms: string; last_ms: string; rows: string; processed: string; subscriptions: string }>(
      `SELECT count(*) FILTER (WHERE updated_at > to_timestamp($1::float8 / 1000)) AS after,
              extract(epoch FROM min(updated_at)) * 1000 AS first_ms,
              extract(epoch FROM max(updated_at)) * 1000 AS last_ms,
              count(*) AS rows,
              count(*) FILTER (WHERE outcome = 'processed') AS processed,
              (SELECT count(*) FROM subscriptions) AS subscriptions
         FROM stripe_events`,
      [readyAt],
    );
    const row = rows[0];
    if (row === undefined) throw new Error('no stripe_events summary');
    const lastMs = Number(row.last_ms);
    const after = Number(row.after);
    // A short run may be over before the last replica is up: then take the whole drain.
    const steady = after >= options.events / 2 && lastMs > readyAt;
    const ratePerS = steady ? after / ((lastMs - readyAt) / 1000) : options.events / ((lastMs - Number(row.first_ms)) / 1000);
    await stopAll();
    return {
      replicas: options.replicas,
      events: options.events,
      ratePerS,
      rateWindow: steady ? 'all-replicas-ready' : 'whole-drain',
      wallS: (lastMs - spawnedAt) / 1000,
      startupS: (readyAt - spawnedAt) / 1000,
      resources,
      check: { rows: Number(row.rows), processed: Number(row.processed), subscriptions: Number(row.subscriptions) },
      timeline: { readyAtMs: readyAt, lastCommitMs: lastMs, stoppedAtMs },
    };
  } finally {
    await stopAll();
  }
}

import { signPayload } from '@pipeline/stripe-events';
import { sleep } from '@pipeline/testkit';
import type { HttpLoadResult } from '../load/http-load-result.ts';
import { createLatencyRecorder, type LatencySummary } from '../load/latency-recorder.ts';
import { runPacedLoad, type PacedAnswer } from '../load/paced-load.ts';
import { makeEventBody } from '../load/payload-pool.ts';
import type { AppEntry } from '../system/app-entry.ts';
import type { AppProcess } from '../system/app-process.ts';
import type { BenchServices } from '../system/bench-services.ts';
import { watchResources, type ResourceUse } from '../system/resource-watch.ts';
import { benchSecrets } from '../system/secrets.ts';
import { webhookPath } from './http-server-run.ts';
import { startIngest, startWorkerReplica } from './pipeline-processes.ts';

/** Signed events at a steady rate through ingest, broker, workers and database. */
export interface EndToEndResult {
  readonly ratePerS: number;
  readonly workers: number;
  /** The ingest's answers during the run. */
  readonly ingest: HttpLoadResult;
  /** Events answered 200 whose row was committed. */
  readonly committed: number;
  /** Events answered 200 with no row after the wait: lost (must be 0). */
  readonly missing: number;
  /** From the ingest's 200 to `stripe_events.updated_at` (written at the end of the worker's transaction). */
  readonly answerToCommit: LatencySummary;
  /** From sending the request to the commit: what the event's sender waits for the effect. */
  readonly sendToCommit: LatencySummary;
  readonly resources: ResourceUse;
}

export interface EndToEndOptions {
  readonly ratePerS: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly workers: number;
}

async function committedTimes(services: BenchServices, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await services.pool.query<{ id: string; at_ms: string }>(
    `SELECT id, extract(epoch FROM updated_at) * 1000 AS at_ms FROM stripe_events WHERE id = ANY($1) AND outcome = 'processed'`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, Number(row.at_ms)]));
}

/** Sends distinct events at `ratePerS` for `durationS`; returns each event's id and answer. */
async function sendEvents(ingest: AppProcess, ratePerS: number, durationS: number): Promise<{ load: HttpLoadResult; answered: Array<{ id: string; answer: PacedAnswer }> }> {
  const events = Array.from({ length: Math.round(ratePerS * durationS) }, () => makeEventBody());
  const answered: Array<{ id: string; answer: PacedAnswer }> = [];
  const load = await runPacedLoad({
    url: `${ingest.url}${webhookPath}`,
    ratePerS,
    durationS,
    // Signed at send time, as Stripe signs each delivery.
    delivery: (index) => {
      const body = events[index]?.body ?? '';
      return { body, signature: signPayload(body, benchSecrets.platform) };
    },
    onAnswer: (answer) => {
      if (answer.status === 200) answered.push({ id: events[answer.index]?.id ?? '', answer });
    },
  });
  return { load, answered };
}

async function waitForRows(services: BenchServices, ids: readonly string[], timeoutMs: number): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const times = await committedTimes(services, ids);
    if (times.size === ids.length || Date.now() > deadline) return times;
    await sleep(200);
  }
}

/**
 * Starts the ingest and `workers` workers, warms them up, then posts signed events at a
 * steady rate and measures, per event, the time from the ingest's 200 to the commit of its
 * effect. The bench, the database and the broker share this machine's clock.
 */
export async function measureEndToEnd(ingestEntry: AppEntry, workerEntry: AppEntry, services: BenchServices, options: EndToEndOptions): Promise<EndToEndResult> {
  await services.resetTables();
  await services.purgeWorkQueue();
  const started: AppProcess[] = [];
  try {
    started.push(await startIngest(ingestEntry, services));
    for (let i = 1; i <= options.workers; i += 1) started.push(await startWorkerReplica(workerEntry, services, i));
    const [ingest] = started;
    if (ingest === undefined) throw new Error('no ingest');

    const warmup = await sendEvents(ingest, options.ratePerS, options.warmupS);
    await waitForRows(services, warmup.answered.map((event) => event.id), 60_000);

    const watch = watchResources({ processes: Object.fromEntries(started.map((app) => [app.name, app.pid])) });
    const { load, answered } = await sendEvents(ingest, options.ratePerS, options.durationS);
    const times = await waitForRows(services, answered.map((event) => event.id), 60_000);
    const resources = watch.stop();

    const answerToCommit = createLatencyRecorder();
    const sendToCommit = createLatencyRecorder();
    for (const { id, answer } of answered) {
      const committedAt = times.get(id);
      if (committedAt === undefined) continue;
      answerToCommit.record(committedAt - answer.answeredAtMs);
      sendToCommit.record(committedAt - answer.sentAtMs);
    }
    return {
      ratePerS: options.ratePerS,
      workers: options.workers,
      ingest: load,
      committed: times.size,
      missing: answered.length - times.size,
      answerToCommit: answerToCommit.summary(),
      sendToCommit: sendToCommit.summary(),
      resources,
    };
  } finally {
    await Promise.all(started.map((app) => app.stop()));
  }
}

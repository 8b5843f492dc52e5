import type { HttpServerResult } from '../scenarios/http-server-run.ts';
import { formatLatency, formatMiB, formatMs, formatRate, formatShare, formatTimes, ratioOf } from './format.ts';
import { ingestUses, peakRss, workerUses } from './peaks.ts';
import type { BenchResults } from './results.ts';
import { pgCeilingFor } from './targets.ts';

/** One line of the summary table: an absolute figure beside its baseline and the ratio. */
export interface SummaryRow {
  readonly part: string;
  readonly metric: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: string;
}

function serverRss(server: HttpServerResult | undefined): number | undefined {
  return server === undefined ? undefined : peakRss([server.resources.saturation, server.resources.fixedRate], server.name);
}

/** The summary table: every figure, absolute and as a ratio to its baseline from the same run. */
export function summaryRows(results: BenchResults): SummaryRow[] {
  const { settings } = results.meta;
  const { bareFastify: fastify, expressHandler: express, confirmLoop, pgDedup } = results.baselines;
  const ingest = results.ingest;
  const rows: SummaryRow[] = [];
  const add = (part: string, metric: string, value: string, baseline = '—', ratio = '—'): void => {
    rows.push({ part, metric, value, baseline, ratio });
  };
  const sat = `throughput at saturation (${settings.connections} connections)`;
  const fixed = `p50 / p99 / max at ${formatRate(settings.fixedRatePerS, 'req/s')}`;
  const satLatency = `p50 / p99 / max at saturation`;

  if (fastify !== undefined) {
    const part = '(a) bare Fastify route';
    add(part, sat, formatRate(fastify.saturation.okPerS, 'req/s'), 'itself: the ceiling', '1.00×');
    add(part, fixed, formatLatency(fastify.fixedRate.latency));
    add(part, satLatency, formatLatency(fastify.saturation.latency));
    add(part, 'peak RSS', formatMiB(serverRss(fastify)));
  }
  if (confirmLoop !== undefined) {
    const part = '(b) confirm loop, quorum queue';
    add(part, `confirmed publishes, ${confirmLoop.windowed.window} in flight`, formatRate(confirmLoop.windowed.ratePerS, 'msg/s'), 'itself: the ceiling', '1.00×');
    add(part, 'confirmed publishes, 1 in flight', formatRate(confirmLoop.sequential.ratePerS, 'msg/s'));
    add(part, 'publish → confirm p50 / p99 / max, 1 in flight', formatLatency(confirmLoop.sequential.latency));
  }
  for (const run of pgDedup ?? []) {
    add('(c) PostgreSQL dedup insert', `transactions, ${run.concurrency} at once (p50 ${formatMs(run.latency.p50)} ms)`, formatRate(run.ratePerS, 'tx/s'), run.concurrency === 1 ? '—' : 'itself: the ceiling', run.concurrency === 1 ? '—' : '1.00×');
  }
  if (express !== undefined) {
    const part = '(d) Express handler from Stripe’s docs';
    add(part, sat, formatRate(express.saturation.okPerS, 'req/s'), `bare Fastify ${formatRate(fastify?.saturation.okPerS, 'req/s')}`, formatShare(ratioOf(express.saturation.okPerS, fastify?.saturation.okPerS)));
    add(part, fixed, formatLatency(express.fixedRate.latency), `bare Fastify p99 ${formatMs(fastify?.fixedRate.latency.p99)} ms`, formatTimes(ratioOf(express.fixedRate.latency.p99, fastify?.fixedRate.latency.p99)));
    add(part, satLatency, formatLatency(express.saturation.latency), `bare Fastify p99 ${formatMs(fastify?.saturation.latency.p99)} ms`, formatTimes(ratioOf(express.saturation.latency.p99, fastify?.saturation.latency.p99)));
    add(part, 'peak RSS', formatMiB(serverRss(express)), `bare Fastify ${formatMiB(serverRss(fastify))}`, formatTimes(ratioOf(serverRss(express), serverRss(fastify))));
  }
  if (ingest !== undefined) {
    const part = 'ingest';
    const rate = ingest.saturation.okPerS;
    add(part, sat, formatRate(rate, 'req/s'), `Express ${formatRate(express?.saturation.okPerS, 'req/s')}`, formatTimes(ratioOf(rate, express?.saturation.okPerS)));
    add(part, sat, formatRate(rate, 'req/s'), `bare Fastify ${formatRate(fastify?.saturation.okPerS, 'req/s')}`, formatShare(ratioOf(rate, fastify?.saturation.okPerS)));
    add(part, sat, formatRate(rate, 'req/s'), `confirm loop ${formatRate(confirmLoop?.windowed.ratePerS, 'msg/s')}`, formatShare(ratioOf(rate, confirmLoop?.windowed.ratePerS)));
    add(part, fixed, formatLatency(ingest.fixedRate.latency), `bare Fastify p99 ${formatMs(fastify?.fixedRate.latency.p99)} ms`, formatTimes(ratioOf(ingest.fixedRate.latency.p99, fastify?.fixedRate.latency.p99)));
    add(part, fixed, formatLatency(ingest.fixedRate.latency), `Express p99 ${formatMs(express?.fixedRate.latency.p99)} ms`, formatTimes(ratioOf(ingest.fixedRate.latency.p99, express?.fixedRate.latency.p99)));
    add(part, satLatency, formatLatency(ingest.saturation.latency), `bare Fastify p99 ${formatMs(fastify?.saturation.latency.p99)} ms`, formatTimes(ratioOf(ingest.saturation.latency.p99, fastify?.saturation.latency.p99)));
  }
  for (const server of [fastify, express, ingest]) {
    const failed = server === undefined ? 0 : server.saturation.non2xx + server.saturation.errors + server.fixedRate.non2xx + server.fixedRate.errors;
    if (failed > 0) add(server?.name ?? '', 'requests not answered 200 (refused, failed or timed out after 10 s)', String(failed));
  }
  const ingestPeak = peakRss(ingestUses(results), 'ingest');
  if (ingestPeak !== undefined) add('ingest', 'peak RSS under load', formatMiB(ingestPeak), `bare Fastify ${formatMiB(serverRss(fastify))}`, formatTimes(ratioOf(ingestPeak, serverRss(fastify))));

  for (const run of results.worker ?? []) {
    const ceiling = pgCeilingFor(results, run.replicas);
    add(
      'worker',
      `events/s, ${run.replicas} replica${run.replicas === 1 ? '' : 's'} (${run.events} pre-filled)`,
      formatRate(run.ratePerS, 'ev/s'),
      `PostgreSQL dedup, ${run.replicas * settings.workerPrefetch} at once: ${formatRate(ceiling, 'tx/s')}`,
      formatShare(ratioOf(run.ratePerS, ceiling)),
    );
  }
  const workerPeak = peakRss(workerUses(results), 'worker-');
  if (workerPeak !== undefined) add('worker', 'peak RSS under load (highest replica)', formatMiB(workerPeak), `bare Fastify ${formatMiB(serverRss(fastify))}`, formatTimes(ratioOf(workerPeak, serverRss(fastify))));

  const e2e = results.endToEnd;
  if (e2e !== undefined) {
    const part = `end to end, ${formatRate(e2e.ratePerS, 'events/s')}, ${e2e.workers} workers`;
    // The least any pipeline of this shape can take: one confirm round trip plus one dedup transaction.
    const floor = (confirmLoop?.sequential.latency.p50 ?? Number.NaN) + (pgDedup?.find((run) => run.concurrency === 1)?.latency.p50 ?? Number.NaN);
    const floorText = `floor ${formatMs(floor)} ms (confirm p50 + dedup tx p50)`;
    add(part, '200 → committed effect, p50 / p99 / max', formatLatency(e2e.answerToCommit), floorText, `p99 ${formatTimes(ratioOf(e2e.answerToCommit.p99, floor))}`);
    add(part, 'request sent → committed effect, p50 / p99 / max', formatLatency(e2e.sendToCommit), floorText, `p99 ${formatTimes(ratioOf(e2e.sendToCommit.p99, floor))}`);
    add(part, 'ingest answer p50 / p99 / max', formatLatency(e2e.ingest.latency), `bare Fastify p99 ${formatMs(fastify?.fixedRate.latency.p99)} ms`, formatTimes(ratioOf(e2e.ingest.latency.p99, fastify?.fixedRate.latency.p99)));
    add(part, 'events answered 200 and committed', `${e2e.committed} (${e2e.missing} missing)`);
    const refused = e2e.ingest.non2xx + e2e.ingest.errors;
    if (refused > 0) add(part, 'requests not answered 200 (refused, failed or timed out after 10 s)', String(refused));
  }
  return rows;
}

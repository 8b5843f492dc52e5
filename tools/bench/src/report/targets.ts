import type { WorkerRun } from '../scenarios/worker-run.ts';
import { cpuCosts } from './cpu-cost.ts';
import { formatCores, formatMiB, formatMs, formatRate, formatShare, formatTimes, ratioOf } from './format.ts';
import { ingestUses, peakRss, workerUses } from './peaks.ts';
import type { BenchResults, TargetResult } from './results.ts';

function judge(id: string, target: string, value: number | undefined, passes: (value: number) => boolean, measured: (value: number) => string, note?: string): TargetResult {
  // Infinity stands for "failed outright" (errors, lost events): a miss, not a gap.
  if (value === undefined || Number.isNaN(value)) return { id, target, status: 'not measured', measured: '—' };
  return { id, target, status: passes(value) ? 'pass' : 'miss', measured: measured(value), ...(note === undefined ? {} : { note }) };
}

/** PostgreSQL's dedup rate at the concurrency of `replicas` workers, if measured. */
export function pgCeilingFor(results: BenchResults, replicas: number): number | undefined {
  const concurrency = replicas * results.meta.settings.workerPrefetch;
  return results.baselines.pgDedup?.find((run) => run.concurrency === concurrency)?.ratePerS;
}

/** What held a worker run back, read from the CPU each process group used. */
export interface WorkerLimit {
  /** `cpu`: our processes filled the cores; `database`: at PostgreSQL's own rate; `busy-machine`: others' work took cores; `none`: nothing saturated. */
  readonly kind: 'cpu' | 'database' | 'busy-machine' | 'none';
  readonly text: string;
}

/** Which resource limited a worker run, with the CPU shares that show it. */
export function workerLimit(results: BenchResults, run: WorkerRun): WorkerLimit {
  const cpu = run.resources.cpu;
  const workers = Object.entries(cpu)
    .filter(([name]) => name.startsWith('worker-'))
    .reduce((sum, [, cores]) => sum + cores, 0);
  const cores = results.meta.machine.cores;
  const others = cpu.others ?? 0;
  const parts = `workers ${formatCores(workers)}, PostgreSQL ${formatCores(cpu.postgresql)}, RabbitMQ ${formatCores(cpu.rabbitmq)}, other work ${formatCores(others)} of ${cores} cores`;
  const ceiling = ratioOf(run.ratePerS, pgCeilingFor(results, run.replicas));
  if (ceiling !== undefined && ceiling >= 0.7) return { kind: 'database', text: `at ${formatShare(ceiling)} of PostgreSQL's dedup rate at this concurrency (${parts})` };
  if ((cpu.machine ?? 0) >= 0.9 * cores) {
    if (others >= 0.25 * cores) return { kind: 'busy-machine', text: `inconclusive: the cores were full and other work on the machine took ${formatCores(others)} of them (${parts})` };
    const top = [
      ['the workers', workers],
      ['PostgreSQL', cpu.postgresql ?? 0],
      ['RabbitMQ', cpu.rabbitmq ?? 0],
    ].sort((a, b) => Number(b[1]) - Number(a[1]))[0]?.[0];
    return { kind: 'cpu', text: `CPU: the ${cores} cores were ${formatShare((cpu.machine ?? 0) / cores)} busy, most of it ${String(top)} (${parts})` };
  }
  // Nothing full: the rate is what the events in flight allow (Little's law: in flight = rate × time per event).
  const inFlight = run.replicas * results.meta.settings.workerPrefetch;
  return {
    kind: 'none',
    text: `neither the cores nor the database were saturated (${parts}, machine ${formatCores(cpu.machine)}): at most ${inFlight} events in flight (WORKER_PREFETCH × replicas) at ${formatMs((inFlight / run.ratePerS) * 1000)} ms each`,
  };
}

function scalingTarget(results: BenchResults): TargetResult {
  const target = 'worker throughput grows with replicas until the database or broker is the limit (show where)';
  const runs = [...(results.worker ?? [])].sort((a, b) => a.replicas - b.replicas);
  if (runs.length < 2) return { id: 'worker-scaling', target, status: 'not measured', measured: '—' };
  const steps: string[] = [];
  let ok = true;
  for (let i = 1; i < runs.length; i += 1) {
    const before = runs[i - 1];
    const after = runs[i];
    if (before === undefined || after === undefined) continue;
    const growth = after.ratePerS / before.ratePerS;
    const limit = workerLimit(results, before).kind;
    // Not growing is fine once the smaller run already hit a shared limit (cores or database).
    if (growth < 1.15 && limit !== 'cpu' && limit !== 'database') ok = false;
    steps.push(`${before.replicas}→${after.replicas}: ${formatTimes(growth)}`);
  }
  const limits = runs.map((run) => `${run.replicas} replica${run.replicas === 1 ? '' : 's'}: ${workerLimit(results, run).text}`).join('; ');
  return {
    id: 'worker-scaling',
    target,
    status: ok ? 'pass' : 'miss',
    measured: `${runs.map((run) => `${run.replicas}: ${formatRate(run.ratePerS, 'ev/s')}`).join(', ')} (${steps.join(', ')})`,
    note: `limit — ${limits}`,
  };
}

/**
 * The same comparison in CPU per unit of work, which other work on a shared machine moves
 * much less than it moves rates: each side's own cost and the projected ratio on idle cores.
 * Then the ceiling: the ratio even a process under test that cost no CPU at all would reach,
 * with only what the rest of its run spends per unit (broker, database, load generator). A
 * target above that ceiling cannot be met on this machine by making that process cheaper;
 * only by making the rest spend less per unit (fewer statements, fewer messages, other cores).
 */
function cpuNote(results: BenchResults, run: string, baseline: string): string | undefined {
  const costs = cpuCosts(results);
  const a = costs.find((cost) => cost.run === run);
  const b = costs.find((cost) => cost.run === baseline);
  if (a === undefined || b === undefined) return undefined;
  const us = (value: number): string => `${Math.round(value).toLocaleString('en-US')} µs`;
  const name = run.split(',')[0] ?? run;
  const rest = a.totalUs - a.underTestUs;
  const ceiling = rest > 0 ? (results.meta.machine.cores / rest) * 1e6 : Number.NaN;
  return (
    `CPU per ${a.unit}: ${name} ${us(a.underTestUs)} itself, ${us(a.totalUs)} with broker, database and load generator; ` +
    `${baseline.split(',')[0] ?? baseline} ${us(b.underTestUs)} / ${us(b.totalUs)}; projected on idle cores ${formatTimes(a.projectedPerS / b.projectedPerS)}; ` +
    `ceiling with the ${name} itself free (the rest alone, ${us(rest)} per ${a.unit}): ${formatTimes(ceiling / b.projectedPerS)}`
  );
}

/** Every target of the issue, judged on this run's figures and ratios. */
export function evaluateTargets(results: BenchResults): TargetResult[] {
  const ingest = results.ingest;
  const express = results.baselines.expressHandler;
  const fastify = results.baselines.bareFastify;
  const confirm = results.baselines.confirmLoop?.windowed;
  const ingestRate = ingest?.saturation.okPerS;
  const twoReplicas = results.worker?.find((run) => run.replicas === 2);
  const e2e = results.endToEnd;
  const ingestRss = peakRss(ingestUses(results), 'ingest');
  const workerRss = peakRss(workerUses(results), 'worker-');
  const targets: TargetResult[] = [
    judge(
      'ingest-vs-express',
      'ingest throughput ≥ 2.5× the Express handler’s',
      ratioOf(ingestRate, express?.saturation.okPerS),
      (r) => r >= 2.5,
      (r) => `${formatTimes(r)} (${formatRate(ingestRate, 'req/s')} vs ${formatRate(express?.saturation.okPerS, 'req/s')})`,
      cpuNote(results, 'ingest, saturation', 'Express handler, saturation'),
    ),
    judge(
      'ingest-vs-fastify',
      'ingest throughput ≥ 60% of the bare Fastify route’s',
      ratioOf(ingestRate, fastify?.saturation.okPerS),
      (r) => r >= 0.6,
      (r) => `${formatShare(r)} (${formatRate(ingestRate, 'req/s')} vs ${formatRate(fastify?.saturation.okPerS, 'req/s')})`,
      cpuNote(results, 'ingest, saturation', 'bare Fastify, saturation'),
    ),
    judge(
      'ingest-p99-fixed-rate',
      `ingest p99 < 10 ms at ${formatRate(results.meta.settings.fixedRatePerS, 'req/s')}`,
      ingest === undefined ? undefined : ingest.fixedRate.non2xx + ingest.fixedRate.errors > 0 ? Number.POSITIVE_INFINITY : ingest.fixedRate.latency.p99,
      (p99) => p99 < 10,
      (p99) => (Number.isFinite(p99) ? `${formatMs(p99)} ms (bare Fastify ${formatMs(fastify?.fixedRate.latency.p99)} ms)` : 'requests failed'),
    ),
    judge(
      'ingest-vs-confirm-loop',
      'ingest publish path ≥ 50% of the tight confirm loop’s rate',
      ratioOf(ingestRate, confirm?.ratePerS),
      (r) => r >= 0.5,
      (r) => `${formatShare(r)} (${formatRate(ingestRate, 'req/s')} vs ${formatRate(confirm?.ratePerS, 'msg/s')} with ${confirm?.window ?? '—'} in flight)`,
      cpuNote(results, 'ingest, saturation', `confirm loop, ${confirm?.window ?? 0} in flight`),
    ),
    judge(
      'worker-vs-pg',
      'worker ≥ 70% of PostgreSQL’s dedup-insert rate with 2 replicas',
      ratioOf(twoReplicas?.ratePerS, pgCeilingFor(results, 2)),
      (r) => r >= 0.7,
      (r) => `${formatShare(r)} (${formatRate(twoReplicas?.ratePerS, 'ev/s')} vs ${formatRate(pgCeilingFor(results, 2), 'tx/s')})`,
      twoReplicas === undefined ? undefined : `limit — ${workerLimit(results, twoReplicas).text}. ${cpuNote(results, 'worker × 2', 'PostgreSQL dedup, 32 at once') ?? ''}`,
    ),
    scalingTarget(results),
    judge(
      'e2e-p99',
      `end-to-end p99 < 100 ms at ${formatRate(results.meta.settings.endToEndRatePerS, 'events/s')}`,
      e2e === undefined ? undefined : e2e.missing > 0 ? Number.POSITIVE_INFINITY : e2e.answerToCommit.p99,
      (p99) => p99 < 100,
      (p99) => (Number.isFinite(p99) ? `${formatMs(p99)} ms (200 → commit; p50 ${formatMs(e2e?.answerToCommit.p50)} ms)` : `${e2e?.missing ?? 0} events answered 200 never committed`),
    ),
    judge('ingest-rss', 'ingest RSS < 150 MB under load', ingestRss, (mib) => mib * 1.048576 < 150, (mib) => `${formatMiB(mib)} peak`),
    judge('worker-rss', 'worker RSS < 200 MB under load', workerRss, (mib) => mib * 1.048576 < 200, (mib) => `${formatMiB(mib)} peak (highest replica)`),
  ];
  const runs = results.worker ?? [];
  if (runs.length > 0 || e2e !== undefined) {
    const wrong = runs.filter((run) => run.check.rows !== run.events || run.check.processed !== run.events || run.check.subscriptions !== run.events);
    const lost = e2e?.missing ?? 0;
    targets.push({
      id: 'guarantees',
      target: 'no guarantee traded for speed: every event answered 200 is committed, each effect once',
      status: wrong.length === 0 && lost === 0 ? 'pass' : 'miss',
      measured: `${runs.map((run) => `${run.replicas} replica(s): ${run.check.processed}/${run.events} processed, ${run.check.subscriptions} subscriptions`).join('; ')}${e2e === undefined ? '' : `; end to end: ${e2e.committed} committed, ${lost} missing`}`,
    });
  }
  return targets;
}

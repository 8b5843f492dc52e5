import type { ResourceUse } from '../system/resource-watch.ts';
import type { BenchResults } from './results.ts';

/** CPU time one request or event cost each group of processes, in µs, and what that allows. */
export interface CpuCost {
  readonly run: string;
  readonly unit: 'request' | 'message' | 'transaction' | 'event';
  readonly ratePerS: number;
  /** The servers under test (ingest, workers, baseline servers) together. */
  readonly underTestUs: number;
  readonly benchUs: number;
  readonly rabbitmqUs: number;
  readonly postgresqlUs: number;
  /** Everything this run's own processes spent per unit. */
  readonly totalUs: number;
  /**
   * The rate the measured processes would reach with every core to themselves and nothing
   * but CPU in the way: cores ÷ total CPU per unit. An estimate that other work on a shared
   * machine does not move much, unlike the measured rate.
   */
  readonly projectedPerS: number;
}

const sharedGroups = new Set(['bench', 'rabbitmq', 'postgresql', 'machine', 'others']);

/**
 * `clientInBench`: a baseline whose client is the bench process itself (the confirm loop,
 * the dedup transactions): its CPU is the client's, shown as "under test".
 */
function costOf(run: string, unit: CpuCost['unit'], ratePerS: number, use: ResourceUse | undefined, cores: number, clientInBench = false): CpuCost | undefined {
  if (use === undefined || !(ratePerS > 0)) return undefined;
  const perUnit = (cores: number | undefined): number => ((cores ?? 0) / ratePerS) * 1e6;
  const underTest = clientInBench
    ? (use.cpu.bench ?? 0)
    : Object.entries(use.cpu)
        .filter(([name]) => !sharedGroups.has(name))
        .reduce((sum, [, used]) => sum + used, 0);
  const parts = { underTestUs: perUnit(underTest), benchUs: clientInBench ? 0 : perUnit(use.cpu.bench), rabbitmqUs: perUnit(use.cpu.rabbitmq), postgresqlUs: perUnit(use.cpu.postgresql) };
  const totalUs = parts.underTestUs + parts.benchUs + parts.rabbitmqUs + parts.postgresqlUs;
  return { run, unit, ratePerS, ...parts, totalUs, projectedPerS: totalUs > 0 ? (cores / totalUs) * 1e6 : Number.NaN };
}

/** CPU per request or event of every measured run, for comparisons that survive a noisy machine. */
export function cpuCosts(results: BenchResults): CpuCost[] {
  const cores = results.meta.machine.cores;
  const { bareFastify, expressHandler, confirmLoop, pgDedup } = results.baselines;
  const costs = [
    costOf('bare Fastify, saturation', 'request', bareFastify?.saturation.okPerS ?? 0, bareFastify?.resources.saturation, cores),
    costOf(`confirm loop, ${confirmLoop?.windowed.window ?? 0} in flight`, 'message', confirmLoop?.windowed.ratePerS ?? 0, confirmLoop?.windowed.resources, cores, true),
    ...(pgDedup ?? []).filter((run) => run.concurrency > 1).map((run) => costOf(`PostgreSQL dedup, ${run.concurrency} at once`, 'transaction', run.ratePerS, run.resources, cores, true)),
    costOf('Express handler, saturation', 'request', expressHandler?.saturation.okPerS ?? 0, expressHandler?.resources.saturation, cores),
    costOf('ingest, saturation', 'request', results.ingest?.saturation.okPerS ?? 0, results.ingest?.resources.saturation, cores),
    ...(results.worker ?? []).map((run) => costOf(`worker × ${run.replicas}`, 'event', run.ratePerS, run.resources, cores)),
  ];
  return costs.filter((cost): cost is CpuCost => cost !== undefined);
}

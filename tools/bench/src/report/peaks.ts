import type { ResourceUse } from '../system/resource-watch.ts';
import type { BenchResults } from './results.ts';

/** Highest RSS any process whose name starts with `prefix` reached in the given runs, MiB. */
export function peakRss(uses: ReadonlyArray<ResourceUse | undefined>, prefix: string): number | undefined {
  let peak: number | undefined;
  for (const use of uses) {
    for (const [name, memory] of Object.entries(use?.memory ?? {})) {
      if (!name.startsWith(prefix)) continue;
      const value = Math.max(memory.maxRssMiB, Number.isFinite(memory.hwmMiB) ? memory.hwmMiB : 0);
      if (Number.isFinite(value)) peak = Math.max(peak ?? 0, value);
    }
  }
  return peak;
}

/** Every resource sample of the ingest under load (its own runs and the end-to-end run). */
export function ingestUses(results: BenchResults): Array<ResourceUse | undefined> {
  return [results.ingest?.resources.saturation, results.ingest?.resources.fixedRate, results.endToEnd?.resources];
}

/** Every resource sample of worker replicas under load. */
export function workerUses(results: BenchResults): Array<ResourceUse | undefined> {
  return [...(results.worker ?? []).map((run) => run.resources), results.endToEnd?.resources];
}

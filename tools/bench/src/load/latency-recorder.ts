/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** The percentiles a summary holds, with their rank (0–1), in the order charts draw them. */
export const percentileRanks = [
  ['p50', 0.5],
  ['p75', 0.75],
  ['p90', 0.9],
  ['p95', 0.95],
  ['p99', 0.99],
  ['p999', 0.999],
] as const;

/** Nearest-rank percentile of sorted values. */
function rank(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Summarises raw latencies (ms). Exact: every value is kept and sorted, no histogram buckets. */
export function summarizeLatencies(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const summary: Record<string, number> = { count: sorted.length, mean: sorted.length === 0 ? Number.NaN : sum / sorted.length };
  for (const [name, q] of percentileRanks) summary[name] = rank(sorted, q);
  summary.max = sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN);
  return summary as unknown as LatencySummary;
}

/** Collects latencies in a growable typed array (a saturation run records hundreds of thousands). */
export interface LatencyRecorder {
  record(ms: number): void;
  readonly count: number;
  summary(): LatencySummary;
}

/** A recorder that keeps every value, for exact percentiles. */
export function createLatencyRecorder(initialCapacity = 65_536): LatencyRecorder {
  let values = new Float64Array(initialCapacity);
  let count = 0;
  return {
    record(ms) {
      if (count === values.length) {
        const grown = new Float64Array(values.length * 2);
        grown.set(values);
        values = grown;
      }
      values[count] = ms;
      count += 1;
    },
    get count() {
      return count;
    },
    summary: () => summarizeLatencies(values.subarray(0, count)),
  };
}

/** How long and how hard each part runs. */
export interface BenchSettings {
  readonly mode: 'quick' | 'full';
  /** Connections of the saturation runs (a billing run's burst arrives on many at once). */
  readonly connections: number;
  /** Unmeasured saturation before each HTTP server's runs, so its code is compiled and warm. */
  readonly warmupS: number;
  readonly saturationS: number;
  /** The fixed moderate rate of the latency targets, requests per second. */
  readonly fixedRatePerS: number;
  readonly fixedRateS: number;
  readonly confirmLoopS: number;
  /** Each PostgreSQL dedup run (one per worker pool size). */
  readonly pgDedupS: number;
  /** WORKER_PREFETCH's default: each worker runs this many transactions at once. */
  readonly workerPrefetch: number;
  readonly workerReplicas: readonly number[];
  /** Events pre-filled in the work queue for each replica count. */
  readonly workerEvents: number;
  readonly endToEndRatePerS: number;
  readonly endToEndS: number;
  readonly endToEndWorkers: number;
}

const shared = {
  connections: 50,
  fixedRatePerS: 1_000,
  workerPrefetch: 16,
  workerReplicas: [1, 2, 4],
  endToEndRatePerS: 500,
  endToEndWorkers: 2,
} as const;

/** The full run (a few minutes), and `--quick` (about a minute, for CI smoke use). */
export function settingsFor(mode: 'quick' | 'full'): BenchSettings {
  if (mode === 'quick') {
    return { ...shared, mode, warmupS: 1, saturationS: 3, fixedRateS: 3, confirmLoopS: 2, pgDedupS: 1.5, workerEvents: 1_500, endToEndS: 4 };
  }
  return { ...shared, mode, warmupS: 3, saturationS: 12, fixedRateS: 12, confirmLoopS: 8, pgDedupS: 6, workerEvents: 10_000, endToEndS: 20 };
}

import type { LatencySummary } from './latency-recorder.ts';

/** What one load run against an HTTP server measured. */
export interface HttpLoadResult {
  /** `saturation` (closed loop, as fast as the server answers) or `fixed-rate` (open loop). */
  readonly kind: 'saturation' | 'fixed-rate';
  /** Concurrent connections (saturation) or the offered rate in requests per second (fixed rate). */
  readonly connections?: number;
  readonly offeredRatePerS?: number;
  readonly durationS: number;
  /** 2xx answers. */
  readonly ok: number;
  /** 2xx answers per second over the run. */
  readonly okPerS: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Latency of 2xx answers, from the request's send to its last byte. */
  readonly latency: LatencySummary;
}

import type { LatencySummary } from '../load/latency-recorder.ts';

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `12,345` with a unit, or `—` when not measured. */
export function formatRate(perS: number | undefined, unit: string): string {
  return perS === undefined || !Number.isFinite(perS) ? '—' : `${grouped.format(perS)} ${unit}`;
}

/** Milliseconds with three significant digits: `0.412`, `4.12`, `41.2`, `412`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 100) return grouped.format(ms);
  return ms.toPrecision(3);
}

/** `p50 / p99 / max` in ms. */
export function formatLatency(latency: LatencySummary | undefined): string {
  if (latency === undefined || latency.count === 0) return '—';
  return `${formatMs(latency.p50)} / ${formatMs(latency.p99)} / ${formatMs(latency.max)} ms`;
}

/** A ratio as `2.91×`. */
export function formatTimes(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '—' : `${ratio.toFixed(2)}×`;
}

/** A ratio as `61%` (for shares of a ceiling). */
export function formatShare(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '—' : `${(ratio * 100).toFixed(0)}%`;
}

/** MiB with one decimal. */
export function formatMiB(mib: number | undefined): string {
  return mib === undefined || !Number.isFinite(mib) ? '—' : `${mib.toFixed(1)} MiB`;
}

/** Cores with two decimals, e.g. `0.97 cores`. */
export function formatCores(cores: number | undefined): string {
  return cores === undefined || !Number.isFinite(cores) ? '—' : cores.toFixed(2);
}

/** `a / b`, or undefined when either is missing or b is zero. */
export function ratioOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}

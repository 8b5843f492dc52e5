import type { LatencySummary } from '../load/latency-recorder.ts';
import { formatMs } from './format.ts';

/** One curve: a system's latency percentiles. */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly latency: LatencySummary;
}

/** One panel of the chart: a title and its curves. */
export interface ChartPanel {
  readonly title: string;
  readonly series: readonly ChartSeries[];
}

const points = [
  ['p50', 'p50', 0.5],
  ['p75', 'p75', 0.75],
  ['p90', 'p90', 0.9],
  ['p95', 'p95', 0.95],
  ['p99', 'p99', 0.99],
  ['p999', 'p99.9', 0.999],
  ['max', 'max', 0.9999],
] as const;

const panelWidth = 340;
const panelHeight = 330;
const margin = { top: 34, right: 18, bottom: 104, left: 58 };
/** Percentiles with a tick label (p75 and p95 are drawn but would crowd the axis). */
const labelled = new Set(['p50', 'p90', 'p99', 'p99.9', 'max']);

/** `0.5 ms`, `20 ms`, `3 s`: axis labels that fit. */
function tickLabel(ms: number): string {
  return ms >= 1000 ? `${formatMs(ms / 1000)} s` : `${formatMs(ms)} ms`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** x: percentiles on a "nines" scale (p90 → 1, p99 → 2, p99.9 → 3), as latency tools draw them. */
function nines(rank: number): number {
  return -Math.log10(1 - rank);
}

function renderPanel(panel: ChartPanel, offsetX: number): string {
  const plotW = panelWidth - margin.left - margin.right;
  const plotH = panelHeight - margin.top - margin.bottom;
  const values = panel.series.flatMap((s) => points.map(([key]) => s.latency[key])).filter((v) => Number.isFinite(v) && v > 0);
  // Log scale: answers of 0.3 ms and stalls of 300 ms fit one panel.
  const low = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  const high = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const x = (rank: number): number => offsetX + margin.left + (nines(rank) - nines(0.5)) / (nines(0.9999) - nines(0.5)) * plotW;
  const y = (ms: number): number => margin.top + plotH - ((Math.log10(Math.max(ms, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotH;
  const out: string[] = [];
  out.push(`<text x="${offsetX + margin.left}" y="20" class="title">${escapeXml(panel.title)}</text>`);
  for (let decade = low; decade <= high * 1.0001; decade *= 10) {
    const gy = y(decade).toFixed(1);
    out.push(`<line x1="${offsetX + margin.left}" x2="${offsetX + margin.left + plotW}" y1="${gy}" y2="${gy}" class="grid"/>`);
    out.push(`<text x="${offsetX + margin.left - 6}" y="${gy}" class="axis" text-anchor="end" dominant-baseline="middle">${tickLabel(decade)}</text>`);
  }
  for (const [, label, rank] of points) {
    const gx = x(rank).toFixed(1);
    out.push(`<line x1="${gx}" x2="${gx}" y1="${margin.top}" y2="${margin.top + plotH}" class="grid"/>`);
    if (labelled.has(label)) out.push(`<text x="${gx}" y="${margin.top + plotH + 16}" class="axis" text-anchor="middle">${label}</text>`);
  }
  panel.series.forEach((series, index) => {
    const path = points
      .map(([key, , rank]) => ({ rank, ms: series.latency[key] }))
      .filter((p) => Number.isFinite(p.ms))
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.rank).toFixed(1)},${y(p.ms).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2"/>`);
    for (const [key, , rank] of points) {
      const ms = series.latency[key];
      if (Number.isFinite(ms)) out.push(`<circle cx="${x(rank).toFixed(1)}" cy="${y(ms).toFixed(1)}" r="2.5" fill="${series.color}"><title>${escapeXml(`${series.label} ${key} ${formatMs(ms)} ms`)}</title></circle>`);
    }
    const ly = margin.top + plotH + 50 + index * 15;
    out.push(`<rect x="${offsetX + margin.left + 8}" y="${ly - 8}" width="10" height="10" fill="${series.color}"/>`);
    out.push(`<text x="${offsetX + margin.left + 22}" y="${ly}" class="legend">${escapeXml(`${series.label}: p50 ${formatMs(series.latency.p50)} ms, p99 ${formatMs(series.latency.p99)} ms`)}</text>`);
  });
  out.push(`<text x="${offsetX + margin.left + plotW / 2}" y="${margin.top + plotH + 32}" class="axis" text-anchor="middle">percentile</text>`);
  return out.join('\n');
}

/** Latency percentile curves, one panel each, as a self-contained SVG (no script, no fonts to load). */
export function renderLatencyChart(panels: readonly ChartPanel[]): string {
  const drawn = panels.filter((panel) => panel.series.some((s) => s.latency.count > 0));
  const width = Math.max(1, drawn.length) * panelWidth;
  const body = drawn.map((panel, i) => renderPanel({ ...panel, series: panel.series.filter((s) => s.latency.count > 0) }, i * panelWidth)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${panelHeight}" viewBox="0 0 ${width} ${panelHeight}" font-family="Helvetica, Arial, sans-serif">
<style>
.title { font-size: 13px; font-weight: bold; fill: #222; }
.axis { font-size: 10px; fill: #555; }
.legend { font-size: 10px; fill: #222; }
.grid { stroke: #e3e3e3; stroke-width: 1; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${body}
</svg>
`;
}

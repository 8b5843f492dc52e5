import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResults } from './results.ts';
import { formatRate } from './format.ts';
import type { ChartPanel } from './latency-chart.ts';
import { renderLatencyChart } from './latency-chart.ts';
import { renderMarkdownReport } from './markdown-report.ts';
import { summaryRows, type SummaryRow } from './summary-rows.ts';

/** Series colours, one per system, the same in every panel. */
const colors = { fastify: '#2b8a3e', express: '#c92a2a', ingest: '#1c7ed6', e2e: '#7048e8', confirm: '#868e96' } as const;

/** The chart's panels: answers at the fixed rate, at saturation, and end to end. */
export function chartPanels(results: BenchResults): ChartPanel[] {
  const { bareFastify: fastify, expressHandler: express } = results.baselines;
  const { ingest, endToEnd: e2e } = results;
  const s = results.meta.settings;
  const series = (label: string, color: string, latency: ChartPanel['series'][number]['latency'] | undefined): ChartPanel['series'] =>
    latency === undefined ? [] : [{ label, color, latency }];
  return [
    {
      title: `HTTP answer at ${formatRate(s.fixedRatePerS, 'req/s')}`,
      series: [...series('bare Fastify', colors.fastify, fastify?.fixedRate.latency), ...series('Express', colors.express, express?.fixedRate.latency), ...series('ingest', colors.ingest, ingest?.fixedRate.latency)],
    },
    {
      title: `HTTP answer at saturation (${s.connections} conn.)`,
      series: [...series('bare Fastify', colors.fastify, fastify?.saturation.latency), ...series('Express', colors.express, express?.saturation.latency), ...series('ingest', colors.ingest, ingest?.saturation.latency)],
    },
    {
      title: `End to end at ${formatRate(s.endToEndRatePerS, 'events/s')}`,
      series: [
        ...series('ingest answer', colors.ingest, e2e?.ingest.latency),
        ...series('200 → commit', colors.e2e, e2e?.answerToCommit),
        ...series('confirm round trip', colors.confirm, results.baselines.confirmLoop?.sequential.latency),
      ],
    },
  ];
}

/** Writes results.json, report.md and latency.svg into `outDir`; returns the summary rows. */
export function writeReport(results: BenchResults, outDir: string): SummaryRow[] {
  mkdirSync(outDir, { recursive: true });
  const rows = summaryRows(results);
  const chartFile = 'latency.svg';
  writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(outDir, chartFile), renderLatencyChart(chartPanels(results)));
  writeFileSync(path.join(outDir, 'report.md'), renderMarkdownReport(results, rows, chartFile));
  return rows;
}

import type { TargetResult } from './results.ts';
import type { SummaryRow } from './summary-rows.ts';

const columns: ReadonlyArray<[keyof SummaryRow, string]> = [
  ['part', 'part'],
  ['metric', 'metric'],
  ['value', 'value'],
  ['baseline', 'baseline (same run)'],
  ['ratio', 'ratio'],
];

/** The summary as a plain-text table for the terminal. */
export function renderTextTable(rows: readonly SummaryRow[]): string {
  const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((row) => row[key].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(columns.map(([, title]) => title)), widths.map((width) => '─'.repeat(width)).join('  ')];
  let previousPart = '';
  for (const row of rows) {
    out.push(line(columns.map(([key]) => (key === 'part' && row.part === previousPart ? '' : row[key]))));
    previousPart = row.part;
  }
  return out.join('\n');
}

/** The targets as `PASS`/`MISS` lines. */
export function renderTextTargets(targets: readonly TargetResult[]): string {
  const mark = { pass: 'PASS', miss: 'MISS', 'not measured': '----' } as const;
  return targets.map((t) => `${mark[t.status]}  ${t.target}: ${t.measured}${t.note === undefined ? '' : `\n      ${t.note}`}`).join('\n');
}

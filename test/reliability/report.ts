import { appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { LedgerSummary } from './delivery-ledger.ts';
import type { InvariantRow } from './invariants.ts';
import type { OutageTiming } from './outage-timing.ts';

/** Where the last run's tables go (the console gets the same). */
export const lastRunFile = new URL('./last-run.md', import.meta.url);

/** A fault as it happened, `at` in seconds from the start of sending. */
export interface FaultRecord {
  readonly at: number;
  readonly what: string;
}

export interface ScenarioReport {
  readonly scenario: string;
  readonly seed: number;
  readonly sendingSeconds: number;
  /** From the first event sent to every invariant holding (or the wait giving up). */
  readonly settledSeconds: number;
  readonly ledger: LedgerSummary;
  readonly faults: readonly FaultRecord[];
  readonly timings: readonly OutageTiming[];
  readonly invariants: readonly InvariantRow[];
  readonly notes: readonly string[];
  /** The machine's 1-minute load average when the scenario ended (timings depend on it). */
  readonly loadAverage: number;
}

function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const escape = (cell: string): string => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.map(escape).join(' | ')} |`),
  ].join('\n');
}

const ms = (value: number | undefined): string => (value === undefined ? '–' : `${Math.round(value)} ms`);

function timingRows(timings: readonly OutageTiming[]): string[][] {
  return timings.map((t) => [t.label, ms(t.firstRefusalMs), ms(t.refusalWindowMs), String(t.refusals), ms(t.firstOkAfterRecoveryMs), String(t.okDuringOutage)]);
}

const timingHeaders = ['fault', 'fault → first refusal', 'refusal window', 'refusals', 'recovery → first 200', '200s during the outage'];

/** Prints the scenario's tables and appends them to last-run.md. */
export function publishReport(report: ScenarioReport): void {
  const { ledger } = report;
  const statuses = Object.entries(ledger.byStatus)
    .map(([status, n]) => `${n}×${status}`)
    .join(', ');
  const allHold = report.invariants.every((r) => r.ok);
  // Crashes are recorded when they are noticed, in between the script's own lines.
  const faults = [...report.faults].sort((a, b) => a.at - b.at);
  const sections = [
    `## ${report.scenario} — ${allHold ? 'all invariants hold' : 'INVARIANTS VIOLATED'}`,
    '',
    `Seed ${report.seed}; load average ${report.loadAverage.toFixed(1)} on ${availableParallelism()} cores; sending ${report.sendingSeconds.toFixed(1)} s, settled ${report.settledSeconds.toFixed(1)} s after the first event. ` +
      `${ledger.events} event ids, ${ledger.deliveries} deliveries (resends of the same id included), ${ledger.attempts} attempts: ${statuses}` +
      `${ledger.connectionErrors > 0 ? `, ${ledger.connectionErrors} connection errors` : ''}${ledger.timeouts > 0 ? `, ${ledger.timeouts} timeouts` : ''}.`,
    '',
    '### Faults',
    '',
    markdownTable(['at (s)', 'what'], faults.map((f) => [f.at.toFixed(1), f.what])),
    '',
    '### Invariants',
    '',
    markdownTable(['invariant', 'expected', 'observed', 'holds'], report.invariants.map((r) => [r.invariant, r.expected, r.observed, r.ok ? 'yes' : '**NO**'])),
    '',
  ];
  if (report.timings.length > 0) {
    sections.push('### How the ingest answered around each fault', '', markdownTable(timingHeaders, timingRows(report.timings)), '');
  }
  if (report.notes.length > 0) sections.push('### Notes', '', ...report.notes.map((note) => `- ${note}`), '');
  const text = `${sections.join('\n')}\n`;
  appendFileSync(lastRunFile, text);

  process.stdout.write(`\n${report.scenario}: seed ${report.seed}, ${ledger.deliveries} deliveries, ${ledger.attempts} attempts (${statuses})\n`);
  console.table(faults.map((f) => ({ 'at (s)': f.at.toFixed(1), what: f.what })));
  console.table(report.invariants.map((r) => ({ invariant: r.invariant, expected: r.expected, observed: r.observed, holds: r.ok ? 'yes' : 'NO' })));
  if (report.timings.length > 0) console.table(timingRows(report.timings).map((cells) => Object.fromEntries(timingHeaders.map((h, i) => [h, cells[i]]))));
  for (const note of report.notes) process.stdout.write(`note: ${note}\n`);
}

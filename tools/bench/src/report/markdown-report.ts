import type { ProfileSummary } from '../profile/cpu-profile-summary.ts';
import type { ResourceUse } from '../system/resource-watch.ts';
import { cpuCosts } from './cpu-cost.ts';
import { formatCores, formatMs, formatRate } from './format.ts';
import type { BenchResults } from './results.ts';
import type { SummaryRow } from './summary-rows.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

function cpuRow(label: string, use: ResourceUse | undefined): string[] | undefined {
  if (use === undefined) return undefined;
  const servers = Object.entries(use.cpu).filter(([name]) => !['bench', 'rabbitmq', 'postgresql', 'machine', 'others'].includes(name));
  return [
    label,
    servers.map(([name, cores]) => `${name} ${formatCores(cores)}`).join(', ') || '—',
    formatCores(use.cpu.bench),
    formatCores(use.cpu.rabbitmq),
    formatCores(use.cpu.postgresql),
    formatCores(use.cpu.others),
    formatCores(use.cpu.machine),
  ];
}

function profileSection(profile: ProfileSummary): string {
  return [
    `#### ${profile.label}`,
    '',
    `\`${profile.file}\` — ${formatRate(profile.sampledMs, 'ms')} sampled, ${profile.idlePct}% idle; shares below are of the busy time.`,
    '',
    table(['module', 'self ms', 'share'], profile.modules.slice(0, 10).map((m) => [m.name, String(m.selfMs), `${m.busyPct}%`])),
    '',
    table(['function', 'self ms', 'share'], profile.functions.map((f) => [`\`${f.name}\``, String(f.selfMs), `${f.busyPct}%`])),
  ].join('\n');
}

/** The committed report: the run's conditions, the summary, the targets, the chart, the details. */
export function renderMarkdownReport(results: BenchResults, rows: readonly SummaryRow[], chartFile: string): string {
  const { meta } = results;
  const m = meta.machine;
  const out: string[] = [];
  out.push('# Benchmark: ingest and worker beside their baselines', '');
  out.push(
    `Measured ${meta.date} with \`${meta.command}\` (${meta.settings.mode} run, ${Math.round(meta.elapsedS)} s). ` +
      'Every baseline was measured in this same run on this same machine; read the ratios, not the absolute figures, ' +
      'when comparing with another run. Method, and what limits each missed target: [docs/benchmarks.md](../../docs/benchmarks.md).',
    '',
  );
  out.push(
    table(
      ['machine', ''],
      [
        ['cores (nproc)', String(m.cores)],
        ['CPU', m.cpuModel],
        ['memory', `${m.memoryGiB} GiB`],
        ['Node', m.node],
        ['RabbitMQ', meta.services.rabbitmq],
        ['PostgreSQL', meta.services.postgresql],
        ['OS', m.os],
        ['load average at start (1 min)', String(m.loadAverageAtStart)],
        ...Object.entries(meta.entries).map(([app, entry]) => [`${app} started from`, `${entry.kind} (${entry.reason})`]),
        ['event body', `${meta.payloadBytes} bytes (\`customer.subscription.created\` from Stripe's sample objects, signed)`],
      ],
    ),
    '',
  );
  out.push('## Summary', '', table(['part', 'metric', 'value', 'baseline (same run)', 'ratio'], rows.map((r) => [r.part, r.metric, r.value, r.baseline, r.ratio])), '');
  out.push('## Targets', '');
  const mark = { pass: '✅ pass', miss: '❌ miss', 'not measured': '— not measured' } as const;
  out.push(table(['', 'target', 'measured', 'limit / note'], results.targets.map((t) => [mark[t.status], t.target, t.measured, t.note ?? ''])), '');
  out.push('## Latency', '', `![Latency percentiles](${chartFile})`, '');
  const cpuRows = [
    cpuRow('bare Fastify, saturation', results.baselines.bareFastify?.resources.saturation),
    cpuRow('Express handler, saturation', results.baselines.expressHandler?.resources.saturation),
    cpuRow('ingest, saturation', results.ingest?.resources.saturation),
    cpuRow(`ingest, ${formatRate(meta.settings.fixedRatePerS, 'req/s')}`, results.ingest?.resources.fixedRate),
    ...(results.worker ?? []).map((run) => cpuRow(`worker × ${run.replicas}, draining`, run.resources)),
    cpuRow('end to end', results.endToEnd?.resources),
  ].filter((row): row is string[] => row !== undefined);
  if (cpuRows.length > 0) {
    out.push(
      '## Where the CPU went',
      '',
      'Cores used on average during each run (1.00 = one core busy the whole run). "bench" is this process, the load generator; ' +
        '"others" is what no process of the run accounts for: other work on the machine. RabbitMQ and PostgreSQL include whatever else they served meanwhile.',
      '',
    );
    out.push(table(['run', 'under test', 'bench', 'RabbitMQ', 'PostgreSQL', 'others', 'machine'], cpuRows), '');
  }
  const costs = cpuCosts(results);
  if (costs.length > 0) {
    out.push(
      '## CPU per request, message or event',
      '',
      'CPU time (µs) each process group spent per unit of work, from the same figures ("under test" is the client in the bench for baselines (b) and (c)). It moves much less than the rates when other work ' +
        `shares the machine. "Projected" is ${meta.machine.cores} cores ÷ the total: the rate these processes would reach with the machine to themselves, if CPU were all that limited them.`,
      '',
    );
    const us = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—');
    out.push(
      table(
        ['run', 'measured', 'under test', 'bench', 'RabbitMQ', 'PostgreSQL', 'total', 'projected'],
        costs.map((c) => [c.run, formatRate(c.ratePerS, `${c.unit}s/s`), us(c.underTestUs), us(c.benchUs), us(c.rabbitmqUs), us(c.postgresqlUs), us(c.totalUs), formatRate(c.projectedPerS, `${c.unit}s/s`)]),
      ),
      '',
    );
  }
  if (results.worker !== undefined && results.worker.length > 0) {
    out.push('## Worker runs', '');
    out.push(
      table(
        ['replicas', 'events', 'events/s', 'rate taken over', 'startup', 'spawn → last commit', 'rows / processed / subscriptions'],
        results.worker.map((run) => [
          String(run.replicas),
          String(run.events),
          formatRate(run.ratePerS, 'ev/s'),
          run.rateWindow === 'all-replicas-ready' ? 'commits after every replica was ready' : 'the whole drain (too short to wait for readiness)',
          `${formatMs(run.startupS * 1000)} ms`,
          `${run.wallS.toFixed(2)} s`,
          `${run.check.rows} / ${run.check.processed} / ${run.check.subscriptions}`,
        ]),
      ),
      '',
    );
  }
  if (results.profiles.length > 0) {
    out.push('## CPU profiles', '', 'Taken in separate runs with `node --cpu-prof` (profiling slows a process; no figure above comes from these runs).', '');
    for (const profile of results.profiles) out.push(profileSection(profile), '');
  }
  const skipped = Object.entries(results.skipped);
  if (skipped.length > 0) {
    out.push('## Not measured', '', ...skipped.map(([part, reason]) => `- **${part}**: ${reason}`), '');
  }
  return out.join('\n');
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarizeLatencies } from '../src/load/latency-recorder.ts';
import { summarizeCpuProfile } from '../src/profile/cpu-profile-summary.ts';
import type { BenchResults } from '../src/report/results.ts';
import { cpuCosts } from '../src/report/cpu-cost.ts';
import { evaluateTargets } from '../src/report/targets.ts';
import { writeReport } from '../src/report/write-report.ts';
import type { HttpServerResult } from '../src/scenarios/http-server-run.ts';
import type { WorkerRun } from '../src/scenarios/worker-run.ts';
import { settingsFor } from '../src/settings.ts';
import type { ResourceUse } from '../src/system/resource-watch.ts';

const outDir = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

/** Latencies spread evenly between `low` and `high` ms. */
const latency = (low: number, high: number) => summarizeLatencies(Array.from({ length: 1_000 }, (_, i) => low + ((high - low) * i) / 999));

const use = (processes: Record<string, number>, rssMiB: number, machine = 1.5): ResourceUse => ({
  cpu: { ...processes, bench: 0.3, rabbitmq: 0.2, postgresql: 0.3, machine, others: 0.05 },
  memory: Object.fromEntries(Object.keys(processes).map((name) => [name, { maxRssMiB: rssMiB, hwmMiB: rssMiB }])),
});

function server(name: string, okPerS: number, fixedP99: number, rssMiB: number): HttpServerResult {
  const load = (kind: 'saturation' | 'fixed-rate', rate: number, high: number) => ({ kind, durationS: 10, ok: rate * 10, okPerS: rate, non2xx: 0, errors: 0, latency: latency(high / 10, high) });
  return {
    name,
    saturation: load('saturation', okPerS, 40),
    fixedRate: load('fixed-rate', 1_000, fixedP99),
    resources: { saturation: use({ [name]: 1 }, rssMiB), fixedRate: use({ [name]: 0.4 }, rssMiB) },
  };
}

function workerRun(replicas: number, ratePerS: number): WorkerRun {
  const workers = Object.fromEntries(Array.from({ length: replicas }, (_, i) => [`worker-${i + 1}`, 0.9 / replicas]));
  return {
    replicas,
    events: 1_000,
    ratePerS,
    rateWindow: 'all-replicas-ready',
    wallS: 3,
    startupS: 0.5,
    resources: use(workers, 120, replicas === 1 ? 1.2 : 1.95),
    check: { rows: 1_000, processed: 1_000, subscriptions: 1_000 },
    timeline: { readyAtMs: 1_000, lastCommitMs: 3_000, stoppedAtMs: 3_100 },
  };
}

function fixture(): BenchResults {
  return {
    meta: {
      date: '2025-01-01T00:00:00.000Z',
      command: 'npm run bench -- --quick',
      settings: settingsFor('quick'),
      machine: { cores: 2, cpuModel: 'test CPU', memoryGiB: 24, node: 'v24.0.0', os: 'Linux', loadAverageAtStart: 0.5 },
      services: { rabbitmq: '3.10.8', postgresql: '15.2' },
      entries: { ingest: { kind: 'dist', reason: 'test' } },
      payloadBytes: 7_000,
      elapsedS: 60,
    },
    baselines: {
      bareFastify: server('bare-fastify', 10_000, 2, 60),
      confirmLoop: {
        windowed: { window: 50, durationS: 2, confirmed: 16_000, ratePerS: 8_000, latency: latency(1, 8), messageBytes: 7_000, resources: use({}, 0) },
        sequential: { window: 1, durationS: 1, confirmed: 900, ratePerS: 900, latency: latency(0.8, 2), messageBytes: 7_000, resources: use({}, 0) },
      },
      pgDedup: [
        { concurrency: 1, durationS: 1, transactions: 800, ratePerS: 800, latency: latency(1, 3), resources: use({}, 0) },
        { concurrency: 16, durationS: 1, transactions: 3_000, ratePerS: 3_000, latency: latency(3, 9), resources: use({}, 0) },
        { concurrency: 32, durationS: 1, transactions: 3_200, ratePerS: 3_200, latency: latency(6, 15), resources: use({}, 0) },
        { concurrency: 64, durationS: 1, transactions: 3_300, ratePerS: 3_300, latency: latency(12, 30), resources: use({}, 0) },
      ],
      expressHandler: server('express-handler', 2_000, 9, 70),
    },
    // 3× Express, 60% of Fastify, 75% of the confirm loop; p99 12 ms at the fixed rate (a miss).
    ingest: server('ingest', 6_000, 12, 90),
    worker: [workerRun(1, 1_500), workerRun(2, 2_400), workerRun(4, 2_500)],
    profiles: [],
    skipped: { e2e: 'not selected (--only)' },
    targets: [],
  };
}

describe('targets', () => {
  it('judges each target on the ratios of the same run', () => {
    const status = Object.fromEntries(evaluateTargets(fixture()).map((t) => [t.id, t.status]));
    expect(status).toMatchObject({
      'ingest-vs-express': 'pass',
      'ingest-vs-fastify': 'pass',
      'ingest-p99-fixed-rate': 'miss',
      'ingest-vs-confirm-loop': 'pass',
      'worker-vs-pg': 'pass',
      'worker-scaling': 'pass',
      'e2e-p99': 'not measured',
      'ingest-rss': 'pass',
      'worker-rss': 'pass',
      guarantees: 'pass',
    });
  });

  it('misses the scaling target when more replicas add nothing and nothing was saturated', () => {
    const results = fixture();
    results.worker = [{ ...workerRun(1, 1_000), resources: use({ 'worker-1': 0.5 }, 100, 1.0) }, { ...workerRun(2, 1_000), resources: use({ 'worker-1': 0.3, 'worker-2': 0.3 }, 100, 1.0) }];
    const scaling = evaluateTargets(results).find((t) => t.id === 'worker-scaling');
    expect(scaling?.status).toBe('miss');
    expect(scaling?.note).toContain('neither the cores nor the database were saturated');
  });

  it('fails the guarantees target when an event answered 200 never committed', () => {
    const results = fixture();
    results.endToEnd = {
      ratePerS: 500,
      workers: 2,
      ingest: { kind: 'fixed-rate', durationS: 5, ok: 2_500, okPerS: 500, non2xx: 0, errors: 0, latency: latency(1, 3) },
      committed: 2_499,
      missing: 1,
      answerToCommit: latency(2, 20),
      sendToCommit: latency(3, 22),
      resources: use({ ingest: 0.3, 'worker-1': 0.3, 'worker-2': 0.3 }, 100),
    };
    const byId = Object.fromEntries(evaluateTargets(results).map((t) => [t.id, t]));
    expect(byId.guarantees?.status).toBe('miss');
    expect(byId['e2e-p99']?.status).toBe('miss');
  });
});

describe('report files', () => {
  it('writes the JSON, a Markdown report with every target, and an SVG chart', () => {
    const results = fixture();
    results.targets = evaluateTargets(results);
    const rows = writeReport(results, outDir);
    const ingestVsExpress = rows.find((row) => row.part === 'ingest' && row.baseline.startsWith('Express'));
    expect(ingestVsExpress?.ratio).toBe('3.00×');
    const markdown = readFileSync(path.join(outDir, 'report.md'), 'utf8');
    expect(markdown).toContain('npm run bench -- --quick');
    expect(markdown).toContain('❌ miss | ingest p99 < 10 ms at 1,000 req/s');
    expect(markdown).toContain('![Latency percentiles](latency.svg)');
    const svg = readFileSync(path.join(outDir, 'latency.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<path /g)?.length).toBe(7);
    expect(JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8'))).toMatchObject({ meta: { payloadBytes: 7_000 } });
  });
});

describe('CPU cost', () => {
  it('divides each group’s cores by the rate, and projects the rate on idle cores', () => {
    const ingest = cpuCosts(fixture()).find((cost) => cost.run === 'ingest, saturation');
    // 1 core of ingest + 0.3 bench + 0.2 RabbitMQ + 0.3 PostgreSQL at 6,000 req/s.
    expect(ingest?.underTestUs).toBeCloseTo(166.7, 1);
    expect(ingest?.totalUs).toBeCloseTo(300, 5);
    expect(ingest?.projectedPerS).toBeCloseTo(6_666.7, 1);
  });
});

describe('target notes', () => {
  it('bounds a ratio by what the rest of the run costs, as if the process under test were free', () => {
    const note = evaluateTargets(fixture()).find((t) => t.id === 'ingest-vs-express')?.note;
    // The ingest's run: 0.3 + 0.2 + 0.3 cores besides the ingest at 6,000 req/s = 133 µs per
    // request, so 15,000 req/s at most on 2 cores; Express projects 2 cores ÷ 900 µs = 2,222.
    expect(note).toContain('ceiling with the ingest itself free (the rest alone, 133 µs per request): 6.75×');
  });
});

describe('measurement helpers', () => {
  it('takes exact nearest-rank percentiles', () => {
    const summary = summarizeLatencies(Array.from({ length: 1_000 }, (_, i) => i + 1).reverse());
    expect(summary).toMatchObject({ count: 1_000, p50: 500, p99: 990, p999: 999, max: 1_000, mean: 500.5 });
  });

  it('adds up self time per function and module, leaving idle time out of the shares', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        { id: 3, callFrame: { functionName: 'publish', url: 'file:///repo/node_modules/amqplib/lib/channel.js', lineNumber: 9 } },
        { id: 4, callFrame: { functionName: 'verify', url: 'file:///repo/apps/ingest/src/verify-signature.ts', lineNumber: 4 } },
      ],
      samples: [2, 3, 3, 4, 2],
      timeDeltas: [5_000, 3_000, 3_000, 2_000, 7_000],
      startTime: 0,
      endTime: 20_000,
    };
    const summary = summarizeCpuProfile(profile, 'ingest', 'ingest.cpuprofile');
    expect(summary.idlePct).toBe(60);
    expect(summary.functions[0]).toEqual({ name: 'publish lib/channel.js:10', selfMs: 6, busyPct: 75 });
    expect(summary.modules.map((m) => m.name)).toEqual(['amqplib', 'apps/ingest']);
  });

  it('keeps only the samples inside the window counted back from the end of the profile', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: 'startup', url: 'node:internal/modules/esm/loader', lineNumber: 0 } },
        { id: 2, callFrame: { functionName: 'handle', url: 'file:///repo/apps/ingest/dist/app.js', lineNumber: 0 } },
      ],
      // Samples at 10, 20, 30, 40 ms; the window keeps 15–35 ms.
      samples: [1, 2, 2, 1],
      timeDeltas: [10_000, 10_000, 10_000, 10_000],
      startTime: 0,
      endTime: 40_000,
    };
    const summary = summarizeCpuProfile(profile, 'ingest', 'ingest.cpuprofile', { fromEndMs: 25, toEndMs: 5 });
    expect(summary.functions).toEqual([{ name: 'handle dist/app.js:1', selfMs: 20, busyPct: 100 }]);
  });
});

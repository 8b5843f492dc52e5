import { describeError } from '@pipeline/core';
import { measureConfirmLoop } from './baselines/confirm-loop.ts';
import { startBareFastify, startExpressHandler } from './baselines/baseline-servers.ts';
import { measureDedupInsert } from './baselines/pg-dedup.ts';
import { createPayloadPool } from './load/payload-pool.ts';
import { profileIngest, profileWorkers } from './profile/profile-runs.ts';
import type { BenchPart, BenchResults } from './report/results.ts';
import { evaluateTargets } from './report/targets.ts';
import { measureEndToEnd } from './scenarios/end-to-end.ts';
import { measureHttpServer } from './scenarios/http-server-run.ts';
import { startIngest } from './scenarios/pipeline-processes.ts';
import { measureWorkers } from './scenarios/worker-run.ts';
import type { BenchSettings } from './settings.ts';
import { resolveAppEntry, type AppEntry, type EntryPreference } from './system/app-entry.ts';
import type { AppProcess } from './system/app-process.ts';
import { prepareServices, type BenchServices } from './system/bench-services.ts';
import type { CleanupStack } from './system/cleanup-stack.ts';
import { describeMachine } from './system/machine-info.ts';
import { benchSecrets } from './system/secrets.ts';

/** Everything a run needs, decided by main.ts. */
export interface RunOptions {
  readonly settings: BenchSettings;
  readonly parts: ReadonlySet<BenchPart>;
  readonly entry: EntryPreference;
  /** `auto`: profile the ingest or worker when one of its targets is missed (full runs only). */
  readonly profile: 'auto' | 'always' | 'never';
  readonly outDir: string;
  readonly rabbitmqUrl: string;
  readonly databaseUrl: string;
  readonly command: string;
  readonly cleanup: CleanupStack;
  readonly log: (message: string) => void;
}

/** A part that cannot run yet (its app is not written): reported as skipped, not as a failure. */
class PartUnavailable extends Error {}

function requireEntry(entry: AppEntry | undefined, app: string, preference: EntryPreference): AppEntry {
  if (entry === undefined) throw new PartUnavailable(preference === 'dist' ? `apps/${app}/dist/main.js does not exist (run npm run build)` : `apps/${app}/src/main.ts does not exist yet`);
  return entry;
}

async function withServer<T>(start: () => Promise<AppProcess>, use: (server: AppProcess) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

const ingestTargets = new Set(['ingest-vs-express', 'ingest-vs-fastify', 'ingest-p99-fixed-rate', 'ingest-vs-confirm-loop', 'ingest-rss', 'e2e-p99']);
const workerTargets = new Set(['worker-vs-pg', 'worker-scaling', 'worker-rss', 'e2e-p99']);

/**
 * Runs the selected parts in order — baselines first, then the ingest, the workers and the
 * whole pipeline — on a fresh database and topology, and returns what they measured. A part
 * that fails is recorded and the run goes on; `failed` says whether any did.
 */
export async function runBench(options: RunOptions): Promise<{ results: BenchResults; failed: boolean }> {
  const { settings, log } = options;
  const startedAt = Date.now();
  const services: BenchServices = await prepareServices({ rabbitmqUrl: options.rabbitmqUrl, databaseUrl: options.databaseUrl });
  const dropServices = options.cleanup.defer('bench database and topology', () => services.cleanup());
  log(`database ${services.databaseName}, topology prefix ${services.prefix}`);
  const payloads = createPayloadPool({ secret: benchSecrets.platform });
  const ingestEntry = resolveAppEntry('ingest', options.entry);
  const workerEntry = resolveAppEntry('worker', options.entry);
  // Baseline servers start the way the ingest does, so neither pays for type stripping alone.
  const serverKind = ingestEntry?.kind ?? (options.entry === 'source' ? 'source' : 'dist');
  const results: BenchResults = {
    meta: {
      date: new Date(startedAt).toISOString(),
      command: options.command,
      settings,
      machine: describeMachine(),
      services: services.versions,
      entries: Object.fromEntries([
        ...[ingestEntry, workerEntry].flatMap((entry): Array<[string, { kind: string; reason: string }]> => (entry === undefined ? [] : [[entry.app, { kind: entry.kind, reason: entry.reason }]])),
        ['baseline servers', { kind: serverKind === 'dist' ? 'JavaScript' : 'source', reason: 'started the way the ingest is' }],
      ]),
      payloadBytes: payloads.bodyBytes,
      elapsedS: 0,
    },
    baselines: {},
    profiles: [],
    skipped: {},
    targets: [],
  };
  let failed = false;

  async function step(part: BenchPart | 'profile', title: string, work: () => Promise<void>): Promise<void> {
    if (part !== 'profile' && !options.parts.has(part)) {
      results.skipped[part] = 'not selected (--only)';
      return;
    }
    log(title);
    const began = Date.now();
    try {
      await work();
      log(`  done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    } catch (err: unknown) {
      if (err instanceof PartUnavailable) {
        results.skipped[part] = err.message;
        log(`  skipped: ${err.message}`);
        return;
      }
      failed = true;
      results.skipped[part] = `failed: ${describeError(err)}`;
      log(`  FAILED: ${describeError(err)}`);
    }
  }

  try {
    await step('fastify', 'baseline (a): bare Fastify route', async () => {
      results.baselines.bareFastify = await withServer(() => startBareFastify(serverKind), (server) => measureHttpServer(server, settings, payloads, services));
    });
    await step('confirm', 'baseline (b): publish-with-confirms loop to the quorum work queue', async () => {
      const windowed = await measureConfirmLoop({ rabbitmqUrl: services.rabbitmqUrl, names: services.broker.names, window: settings.connections, durationS: settings.confirmLoopS });
      await services.purgeWorkQueue();
      const sequential = await measureConfirmLoop({ rabbitmqUrl: services.rabbitmqUrl, names: services.broker.names, window: 1, durationS: Math.max(1, settings.confirmLoopS / 4) });
      await services.purgeWorkQueue();
      results.baselines.confirmLoop = { windowed, sequential };
    });
    await step('pg', 'baseline (c): PostgreSQL dedup insert and commit', async () => {
      const runs = [];
      for (const concurrency of [1, ...settings.workerReplicas.map((replicas) => replicas * settings.workerPrefetch)]) {
        runs.push(await measureDedupInsert({ databaseUrl: services.databaseUrl, concurrency, durationS: concurrency === 1 ? Math.max(1, settings.pgDedupS / 3) : settings.pgDedupS }));
        await services.resetTables();
      }
      results.baselines.pgDedup = runs;
    });
    await step('express', 'baseline (d): Express handler from Stripe’s docs', async () => {
      results.baselines.expressHandler = await withServer(() => startExpressHandler(services, serverKind), (server) => measureHttpServer(server, settings, payloads, services));
    });
    await step('ingest', `ingest (${ingestEntry?.kind ?? 'missing'})`, async () => {
      const entry = requireEntry(ingestEntry, 'ingest', options.entry);
      results.ingest = await withServer(() => startIngest(entry, services), (server) => measureHttpServer(server, settings, payloads, services));
    });
    await step('worker', `worker (${workerEntry?.kind ?? 'missing'}): ${settings.workerReplicas.join(', ')} replicas`, async () => {
      const entry = requireEntry(workerEntry, 'worker', options.entry);
      results.worker = [];
      for (const replicas of settings.workerReplicas) {
        log(`  ${replicas} replica(s), ${settings.workerEvents} events`);
        results.worker.push(await measureWorkers(entry, services, { replicas, events: settings.workerEvents }));
      }
    });
    await step('e2e', `end to end: ${settings.endToEndRatePerS} events/s, ${settings.endToEndWorkers} workers`, async () => {
      results.endToEnd = await measureEndToEnd(requireEntry(ingestEntry, 'ingest', options.entry), requireEntry(workerEntry, 'worker', options.entry), services, {
        ratePerS: settings.endToEndRatePerS,
        durationS: settings.endToEndS,
        warmupS: settings.warmupS,
        workers: settings.endToEndWorkers,
      });
    });

    results.targets = evaluateTargets(results);
    const missed = new Set(results.targets.filter((t) => t.status === 'miss').map((t) => t.id));
    const wants = (targets: ReadonlySet<string>): boolean =>
      options.profile === 'always' || (options.profile === 'auto' && settings.mode === 'full' && [...missed].some((id) => targets.has(id)));
    if (ingestEntry !== undefined && results.ingest !== undefined && wants(ingestTargets)) {
      await step('profile', 'profile: ingest at saturation with --cpu-prof', async () => {
        results.profiles.push(...(await profileIngest(ingestEntry, services, settings, payloads, options.outDir)));
      });
    }
    if (workerEntry !== undefined && results.worker !== undefined && wants(workerTargets)) {
      await step('profile', 'profile: 2 workers draining with --cpu-prof', async () => {
        results.profiles.push(...(await profileWorkers(workerEntry, services, settings, options.outDir)));
      });
    }
  } finally {
    await dropServices();
  }
  results.meta.elapsedS = (Date.now() - startedAt) / 1000;
  return { results, failed };
}

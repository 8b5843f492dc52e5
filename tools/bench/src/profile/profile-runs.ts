import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { PayloadPool } from '../load/payload-pool.ts';
import { runSaturationLoad } from '../load/saturation-load.ts';
import type { BenchSettings } from '../settings.ts';
import type { AppEntry } from '../system/app-entry.ts';
import type { BenchServices } from '../system/bench-services.ts';
import { webhookPath } from '../scenarios/http-server-run.ts';
import { startIngest } from '../scenarios/pipeline-processes.ts';
import { measureWorkers } from '../scenarios/worker-run.ts';
import { summarizeCpuProfile, type CpuProfile, type ProfileSummary, type ProfileWindow } from './cpu-profile-summary.ts';

/** Node writes one profile per process into `dir` (named after its pid) when it exits. */
function profileArgs(dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** Every profile a run wrote (one per process), summarised over `window`. */
function readProfiles(dir: string, outDir: string, label: string, window: ProfileWindow): ProfileSummary[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort();
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}: the process did not exit cleanly`);
  return files.map((file, index) => {
    const full = path.join(dir, file);
    const profile = JSON.parse(readFileSync(full, 'utf8')) as CpuProfile;
    return summarizeCpuProfile(profile, files.length > 1 ? `${label}, process ${index + 1}` : label, path.relative(outDir, full), window);
  });
}

/**
 * The ingest under the saturation load again, this time with `--cpu-prof`; the profile is
 * written when the process exits after SIGTERM. Profiling slows the process: its figures
 * are not used for the measurements.
 */
export async function profileIngest(entry: AppEntry, services: BenchServices, settings: BenchSettings, payloads: PayloadPool, outDir: string): Promise<ProfileSummary[]> {
  const dir = path.join(outDir, 'tmp', 'profiles', 'ingest');
  const ingest = await startIngest(entry, services, { extraNodeArgs: profileArgs(dir) });
  const url = `${ingest.url}${webhookPath}`;
  let window: ProfileWindow;
  try {
    await runSaturationLoad({ url, connections: settings.connections, durationS: settings.warmupS, next: () => payloads.next() });
    const loadStarted = Date.now();
    await runSaturationLoad({ url, connections: settings.connections, durationS: settings.saturationS, next: () => payloads.next() });
    const loadEnded = Date.now();
    await ingest.stop();
    const exited = Date.now();
    // Only the measured load: start-up, module loading and the warm-up are left out.
    window = { fromEndMs: exited - loadStarted, toEndMs: exited - loadEnded };
  } finally {
    await ingest.stop();
    await services.purgeWorkQueue();
  }
  return readProfiles(dir, outDir, `ingest at saturation (${settings.connections} connections)`, window);
}

/** Two worker replicas draining a pre-filled queue, each with `--cpu-prof`. */
export async function profileWorkers(entry: AppEntry, services: BenchServices, settings: BenchSettings, outDir: string, replicas = 2): Promise<ProfileSummary[]> {
  const dir = path.join(outDir, 'tmp', 'profiles', 'worker');
  const run = await measureWorkers(entry, services, { replicas, events: settings.workerEvents, extraNodeArgs: profileArgs(dir) });
  const { readyAtMs, lastCommitMs, stoppedAtMs } = run.timeline;
  // From every replica being ready to the last commit: start-up and shutdown are left out.
  return readProfiles(dir, outDir, `worker, ${replicas} replicas draining ${settings.workerEvents} events`, { fromEndMs: stoppedAtMs - readyAtMs, toEndMs: stoppedAtMs - lastCommitMs });
}

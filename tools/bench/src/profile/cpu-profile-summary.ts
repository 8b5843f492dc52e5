/** The parts of V8's .cpuprofile JSON (written by `node --cpu-prof`) a summary needs. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  /** Microseconds, on the profiler's own clock. */
  readonly startTime: number;
  readonly endTime: number;
}

/**
 * The part of a profile to keep, in ms counted back from its end (the process's exit):
 * `{ fromEndMs: 15_000, toEndMs: 2_000 }` keeps what happened between 15 s and 2 s before
 * the exit, leaving start-up and shutdown out.
 */
export interface ProfileWindow {
  readonly fromEndMs: number;
  readonly toEndMs: number;
}

/** Self time of one function or one module, in ms and as a share of the busy (non-idle) time. */
export interface SelfTime {
  readonly name: string;
  readonly selfMs: number;
  readonly busyPct: number;
}

/** Where one process spent its CPU time while profiled. */
export interface ProfileSummary {
  /** e.g. `ingest at saturation`. */
  readonly label: string;
  /** The .cpuprofile file, relative to the output directory. */
  readonly file: string;
  readonly sampledMs: number;
  /** Share of the profile the process was idle (waiting on I/O). */
  readonly idlePct: number;
  /** Functions by self time, highest first. */
  readonly functions: readonly SelfTime[];
  /** The same time grouped by package (node_modules), workspace package, Node core, V8/native. */
  readonly modules: readonly SelfTime[];
}

/** `fastify`, `@pipeline/broker`, `apps/ingest`, `node core`, or `(native)` for frames without a script. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') return /^\(.*\)$/.test(functionName) ? functionName : '(native)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (packageMatch?.[1] !== undefined) return packageMatch[1];
  if (url.startsWith('node:')) return 'node core';
  const workspace = /\/(apps|packages)\/([^/]+)\//.exec(url);
  if (workspace?.[1] !== undefined && workspace[2] !== undefined) return workspace[1] === 'packages' ? `@pipeline/${workspace[2]}` : `apps/${workspace[2]}`;
  return url;
}

function shortLocation(url: string, line: number): string {
  if (url === '') return '';
  const tail = url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
  return `${tail}:${line + 1}`;
}

function ranked(totals: Map<string, number>, busyMs: number, top: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, selfMs: Math.round(ms * 10) / 10, busyPct: busyMs > 0 ? Math.round((ms / busyMs) * 1000) / 10 : 0 }));
}

/**
 * Adds up self time per function (a sample's time belongs to the frame on top of the stack)
 * and per module; idle time is left out of the percentages, garbage collection is kept in.
 */
export function summarizeCpuProfile(profile: CpuProfile, label: string, file: string, window?: ProfileWindow, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let sampledMs = 0;
  let idleMs = 0;
  const fromUs = window === undefined ? -Infinity : profile.endTime - window.fromEndMs * 1000;
  const toUs = window === undefined ? Infinity : profile.endTime - window.toEndMs * 1000;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const deltaUs = profile.timeDeltas[index] ?? 0;
    at += deltaUs;
    const ms = deltaUs / 1000;
    const frame = byId.get(id);
    if (frame === undefined || at < fromUs || at > toUs) return;
    sampledMs += ms;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const location = shortLocation(frame.url, frame.lineNumber);
    const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${location === '' ? '' : ` ${location}`}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const module = moduleOf(frame.url, frame.functionName);
    modules.set(module, (modules.get(module) ?? 0) + ms);
  });
  const busyMs = sampledMs - idleMs;
  return {
    label,
    file,
    sampledMs: Math.round(sampledMs),
    idlePct: sampledMs > 0 ? Math.round((idleMs / sampledMs) * 1000) / 10 : 0,
    functions: ranked(functions, busyMs, top),
    modules: ranked(modules, busyMs, top),
  };
}

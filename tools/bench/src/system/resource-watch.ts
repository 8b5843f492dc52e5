import { performance } from 'node:perf_hooks';
import { pidsNamed, readCpuSeconds, readMachineCpu, readMemory } from './proc-stats.ts';

/** CPU use of one group of processes over a run, in cores (1 = one core busy the whole time). */
export type CpuUse = Record<string, number>;

/** Peak memory of one process over a run. */
export interface MemoryPeak {
  /** Highest VmRSS sampled during the run, MiB. */
  readonly maxRssMiB: number;
  /** VmHWM (the kernel's own peak RSS since the process started) at the end of the run, MiB. */
  readonly hwmMiB: number;
}

export interface ResourceUse {
  readonly cpu: CpuUse;
  /** Per watched process, by name. */
  readonly memory: Record<string, MemoryPeak>;
}

export interface ResourceWatch {
  stop(): ResourceUse;
}

/** Processes worth watching: named children plus the services they share the machine with. */
export interface WatchTargets {
  /** Processes whose CPU and memory are reported by name (servers under test, workers). */
  readonly processes: Readonly<Record<string, number>>;
}

function groupCpu(pids: readonly number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    const cpu = readCpuSeconds(pid);
    if (cpu !== undefined) seconds.set(pid, cpu);
  }
  return seconds;
}

function usedSince(before: Map<number, number>, after: Map<number, number>): number {
  let used = 0;
  // A process that started during the run counts from zero; one that ended is lost (short-lived backends).
  for (const [pid, end] of after) used += end - (before.get(pid) ?? 0);
  return used;
}

/**
 * Samples memory of the watched processes every `intervalMs` (default 200) and measures CPU
 * time between start and stop: of each watched process, of the bench itself (the load
 * generator), of RabbitMQ (beam.smp), of PostgreSQL (every postgres process), of the machine
 * as a whole, and what is left (`others`), so a report can say which of them was the limit.
 * RabbitMQ's and PostgreSQL's figures include whatever else those servers did meanwhile.
 */
export function watchResources(targets: WatchTargets, intervalMs = 200): ResourceWatch {
  const named = Object.entries(targets.processes);
  const groups: Record<string, () => number[]> = {
    ...Object.fromEntries(named.map(([name, pid]) => [name, () => [pid]])),
    bench: () => [process.pid],
    rabbitmq: () => pidsNamed('beam.smp'),
    postgresql: () => pidsNamed('postgres'),
  };
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, groupCpu(pids())]));
  const machineBefore = readMachineCpu();
  const startedAt = performance.now();
  const peaks = new Map<string, number>(named.map(([name]) => [name, 0]));
  const sample = (): void => {
    for (const [name, pid] of named) {
      const memory = readMemory(pid);
      if (memory !== undefined) peaks.set(name, Math.max(peaks.get(name) ?? 0, memory.rssMiB));
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const elapsedS = (performance.now() - startedAt) / 1000;
      const cpu: CpuUse = {};
      for (const [name, pids] of Object.entries(groups)) cpu[name] = usedSince(before[name] ?? new Map<number, number>(), groupCpu(pids())) / elapsedS;
      // Every process on the machine, other engineers' test runs included: cores busy in all.
      const ours = Object.values(cpu).reduce((sum, cores) => sum + cores, 0);
      cpu.machine = (readMachineCpu().busyS - machineBefore.busyS) / elapsedS;
      // What nothing above accounts for: other work on a shared machine, the kernel's own threads.
      cpu.others = Math.max(0, cpu.machine - ours);
      const memory: Record<string, MemoryPeak> = {};
      for (const [name, pid] of named) memory[name] = { maxRssMiB: peaks.get(name) ?? Number.NaN, hwmMiB: readMemory(pid)?.hwmMiB ?? Number.NaN };
      return { cpu, memory };
    },
  };
}

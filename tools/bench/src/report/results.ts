import type { ConfirmLoopResult } from '../baselines/confirm-loop.ts';
import type { PgDedupResult } from '../baselines/pg-dedup.ts';
import type { ProfileSummary } from '../profile/cpu-profile-summary.ts';
import type { EndToEndResult } from '../scenarios/end-to-end.ts';
import type { HttpServerResult } from '../scenarios/http-server-run.ts';
import type { WorkerRun } from '../scenarios/worker-run.ts';
import type { BenchSettings } from '../settings.ts';
import type { MachineInfo } from '../system/machine-info.ts';

/** The parts a run can measure (`--only` takes these). */
export const benchParts = ['fastify', 'confirm', 'pg', 'express', 'ingest', 'worker', 'e2e'] as const;
export type BenchPart = (typeof benchParts)[number];

/** How a target came out. */
export interface TargetResult {
  readonly id: string;
  /** The target as the issue states it. */
  readonly target: string;
  readonly status: 'pass' | 'miss' | 'not measured';
  /** The measured figure, with its ratio where the target is one. */
  readonly measured: string;
  /** What limits it, where the data says. */
  readonly note?: string;
}

/** Everything one run measured; written as results.json and rendered as the report. */
export interface BenchResults {
  meta: {
    readonly date: string;
    readonly command: string;
    readonly settings: BenchSettings;
    readonly machine: MachineInfo;
    readonly services: { readonly rabbitmq: string; readonly postgresql: string };
    /** How the ingest and worker were started (compiled build or source), and why. */
    readonly entries: Readonly<Record<string, { readonly kind: string; readonly reason: string }>>;
    readonly payloadBytes: number;
    elapsedS: number;
  };
  // The rest is filled in part by part while the run goes.
  baselines: {
    bareFastify?: HttpServerResult;
    /** Window = the saturation runs' connections, and window 1 (one round trip at a time). */
    confirmLoop?: { readonly windowed: ConfirmLoopResult; readonly sequential: ConfirmLoopResult };
    /** Concurrency 1, then one worker pool per replica count (prefetch × replicas). */
    pgDedup?: PgDedupResult[];
    expressHandler?: HttpServerResult;
  };
  ingest?: HttpServerResult;
  worker?: WorkerRun[];
  endToEnd?: EndToEndResult;
  profiles: ProfileSummary[];
  /** Parts not measured, and why (not asked for, app not written yet, failed). */
  skipped: Partial<Record<BenchPart | 'profile', string>>;
  targets: TargetResult[];
}

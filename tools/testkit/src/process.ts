import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launchProcess } from './launch-process.ts';
import { waitFor } from './wait.ts';

/** The repository root, for spawning apps from source. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface RunningProcess {
  child: ChildProcess;
  /** Every JSON log line the process wrote so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Raw stdout and stderr. */
  output(): string;
  /** Resolves with the first log line that matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends a signal and waits for the exit; resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  readonly exited: Promise<number | string>;
}

/**
 * Runs one of the apps as a real process from its TypeScript source (Node 24 strips the
 * types), with the given environment added to this process's. `nodeArgs` go before the
 * entry (e.g. the production memory flags, for a test that measures memory).
 */
export function startApp(entry: string, env: Record<string, string>, args: string[] = [], nodeArgs: readonly string[] = []): RunningProcess {
  const launched = launchProcess({ script: entry, nodeArgs: [...nodeArgs, '--conditions=source'], args, env: { ...process.env, ...env }, cwd: repoRoot });
  const { child, exited } = launched;
  const logs: Array<Record<string, unknown>> = [];
  let raw = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line (e.g. a banner): kept in `output()` only.
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
  });
  return {
    child,
    logs,
    output: () => raw,
    exited,
    waitForLog(match, timeoutMs = 15_000) {
      return waitFor(() => logs.find(match), { timeoutMs, what: `a log line from ${entry}; output so far:\n${raw.slice(-2000)}` });
    },
    stop: (signal = 'SIGTERM', timeoutMs = 15_000) => launched.stop(signal, timeoutMs),
  };
}

import { spawn, type ChildProcess } from 'node:child_process';

/** A Node process started by the tooling: the one way the stack, the test kit and the bench spawn an app. */
export interface LaunchedProcess {
  readonly child: ChildProcess & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };
  /** Resolves when the process has exited and its output is read to the end: the exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM) unless it already exited, SIGKILL after `timeoutMs` (default 20 s); resolves with the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

export interface LaunchOptions {
  /** The script, run by this Node. */
  readonly script: string;
  /** Node flags before the script (e.g. `--conditions=source`, the production memory flags). */
  readonly nodeArgs?: readonly string[];
  /** Arguments after the script. */
  readonly args?: readonly string[];
  /** The child's whole environment. */
  readonly env: Record<string, string | undefined>;
  readonly cwd?: string;
  /** A process group of its own, so a terminal's Ctrl-C does not reach it directly. */
  readonly detached?: boolean;
}

/** Spawns `node [nodeArgs] script [args]` with stdout and stderr piped and stdin closed. */
export function launchProcess(options: LaunchOptions): LaunchedProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      resolve(code ?? signal ?? -1);
    });
  });
  return {
    child,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

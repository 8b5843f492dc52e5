import { serviceEnvironment, serviceNodeFlags } from '@pipeline/core';
import { launchProcess, sleep } from '@pipeline/testkit';

/** A server under test running as a child process. */
export interface AppProcess {
  readonly name: string;
  readonly pid: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The last 64 KiB the process wrote to stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 20 s); resolves with the exit code or signal. */
  stop(timeoutMs?: number): Promise<number | string>;
}

export interface StartAppOptions {
  /** Shown in errors and the report, e.g. `ingest` or `worker-2`. */
  readonly name: string;
  /** The script to run with this Node (a `.js` file, or `.ts` with `--conditions=source` in `nodeArgs`). */
  readonly script: string;
  readonly nodeArgs?: readonly string[];
  /** The child's whole environment besides PATH: nothing else leaks in from the bench's. */
  readonly env: Record<string, string>;
  /** The port the child was told to listen on (its HTTP server or its health server). */
  readonly port: number;
  /** Path that answers 200 once the process can take work; default `/readyz`. */
  readonly readyPath?: string;
  /** How long to wait for readiness; default 30 s. */
  readonly readyTimeoutMs?: number;
  readonly cwd?: string;
}

const outputLimit = 65_536;

/** Children still running, so an interrupted bench can stop them all. */
const live = new Set<AppProcess>();

/** Stops every child this process started that is still running. */
export async function stopAllApps(): Promise<void> {
  await Promise.all([...live].map((app) => app.stop(5_000)));
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Spawns a server and resolves once `readyPath` answers 200. Its output is drained all the
 * time (a full pipe would stall it) and kept, truncated, for error messages.
 */
export async function startAppProcess(options: StartAppOptions): Promise<AppProcess> {
  // Every server, product or baseline, runs with the production memory settings.
  const launched = launchProcess({
    script: options.script,
    nodeArgs: [...serviceNodeFlags, ...(options.nodeArgs ?? [])],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...serviceEnvironment, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const { child, exited } = launched;
  let output = '';
  const keep = (chunk: string): void => {
    output = (output + chunk).slice(-outputLimit);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exitCode: number | string | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} did not start: ${options.script}`);
  const url = `http://127.0.0.1:${options.port}`;
  const app: AppProcess = { name: options.name, pid, url, output: () => output, stop };
  live.add(app);

  async function stop(timeoutMs = 20_000): Promise<number | string> {
    live.delete(app);
    return launched.stop('SIGTERM', timeoutMs);
  }

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  const readyUrl = `${url}${options.readyPath ?? '/readyz'}`;
  while (!(await answers200(readyUrl))) {
    const problem = exitCode !== undefined ? `exited with ${exitCode}` : Date.now() > deadline ? 'was not ready in time' : undefined;
    if (problem !== undefined) {
      await stop(2_000);
      throw new Error(`${options.name} ${problem}; its output:\n${output.slice(-4_000)}`);
    }
    await sleep(20);
  }
  return app;
}

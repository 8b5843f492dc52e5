import { fileURLToPath } from 'node:url';
import { styleText } from 'node:util';
import { serviceEnvironment, serviceNodeFlags } from '@pipeline/core';
import { launchProcess, type LaunchedProcess } from '@pipeline/testkit';

/** One app to run as a child process. */
export interface ChildSpec {
  /** Shown before each of its lines, e.g. `worker-1`. */
  readonly name: string;
  /** Its TypeScript entry point, relative to `cwd`. */
  readonly entry: string;
  /** Its whole environment. */
  readonly env: Record<string, string | undefined>;
}

/** A child that logged its `listening` line. */
export interface StartedChild {
  readonly name: string;
  readonly pid: number;
  /** The `url` of its `listening` line. */
  readonly url: string;
  /** The `metricsUrl` of its `listening` line, for an app whose metrics have a listener of their own (the ingest). */
  readonly metricsUrl?: string;
}

export interface SupervisorOptions {
  /** Directory the children run in (the repository root). */
  readonly cwd: string;
  /** Where the children's stdout and stderr lines go, prefixed with their name. */
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** How each line is shown (see log-format.ts); default as it came. */
  readonly format?: (line: string) => string;
  /** Called when a child that was listening exits while nobody asked it to stop. */
  readonly onUnexpectedExit: (name: string, exit: number | string) => void;
  /** Longest wait for a child's `listening` line; default 30 s. */
  readonly listenTimeoutMs?: number;
  /** Longest wait for a child to exit after SIGTERM before SIGKILL; default 20 s. */
  readonly stopTimeoutMs?: number;
}

interface Running {
  readonly launched: LaunchedProcess;
  stopRequested: boolean;
}

/** Preloaded into every child: it stops when the stack is gone. */
const exitWithParent = fileURLToPath(new URL('exit-with-parent.ts', import.meta.url));

const colors = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'] as const;
/** Wide enough for `stripe-emulator`, so the JSON lines start in one column. */
const prefixWidth = 15;

/**
 * Runs apps as child processes from their TypeScript source, forwards their log lines with
 * a name prefix, and stops them on request. Children run in their own process group so a
 * terminal's Ctrl-C reaches only the stack, which then stops them in its own order.
 */
export function createSupervisor(options: SupervisorOptions) {
  const children = new Map<string, Running>();
  let stopping = false;
  const format = options.format ?? ((line: string) => line);

  function forward(stream: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string, onLine?: (line: string) => void): void {
    // A prettified line may span several: each gets the child's name.
    const shown = (line: string): string => `${prefix}${format(line).replace(/\n/g, `\n${prefix}`)}\n`;
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        to.write(shown(line));
        onLine?.(line);
      }
    });
    stream.on('end', () => {
      if (pending !== '') to.write(shown(pending));
    });
  }

  function listeningUrls(line: string): { url: string; metricsUrl?: string } | undefined {
    if (!line.startsWith('{')) return undefined;
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; url?: unknown; metricsUrl?: unknown };
      if (parsed.msg !== 'listening' || typeof parsed.url !== 'string') return undefined;
      return typeof parsed.metricsUrl === 'string' ? { url: parsed.url, metricsUrl: parsed.metricsUrl } : { url: parsed.url };
    } catch {
      return undefined;
    }
  }

  return {
    /** True once `beginStop` was called: the stack is shutting down. */
    get stopping(): boolean {
      return stopping;
    },

    /** Spawns the child and resolves when it logs `listening`; rejects if it exits or stays silent first. */
    start(spec: ChildSpec): Promise<StartedChild> {
      if (stopping) return Promise.reject(new Error(`not starting ${spec.name}: the stack is stopping`));
      // The production memory settings, so the local stack behaves like a deployment.
      // exit-with-parent.ts: the child stops itself should the stack die without stopping it.
      const launched = launchProcess({
        script: spec.entry,
        nodeArgs: [...serviceNodeFlags, '--conditions=source', '--import', exitWithParent],
        env: { ...serviceEnvironment, ...spec.env },
        cwd: options.cwd,
        detached: true,
      });
      const { child, exited } = launched;
      const running: Running = { launched, stopRequested: false };
      children.set(spec.name, running);
      const color = colors[(children.size - 1) % colors.length] ?? 'cyan';
      const prefix = styleText(color, `${spec.name.padEnd(prefixWidth)} | `, { stream: options.stdout });

      return new Promise<StartedChild>((resolve, reject) => {
        let listening = false;
        const timer = setTimeout(() => {
          reject(new Error(`${spec.name} did not log "listening" within ${options.listenTimeoutMs ?? 30_000} ms`));
        }, options.listenTimeoutMs ?? 30_000);
        child.on('error', (err) => {
          clearTimeout(timer);
          reject(new Error(`${spec.name} could not be started`, { cause: err }));
        });
        forward(child.stdout, options.stdout, prefix, (line) => {
          const urls = listeningUrls(line);
          if (urls === undefined || listening) return;
          listening = true;
          clearTimeout(timer);
          resolve({ name: spec.name, pid: child.pid ?? -1, ...urls });
        });
        forward(child.stderr, options.stderr, styleText(color, `${spec.name.padEnd(prefixWidth)} | `, { stream: options.stderr }));
        void exited.then((exit) => {
          clearTimeout(timer);
          if (!listening) reject(new Error(`${spec.name} exited (${exit}) before it was listening`));
          // Before `listening`, the rejection above is the report.
          else if (!running.stopRequested) options.onUnexpectedExit(spec.name, exit);
        });
      });
    },

    /**
     * Sends SIGTERM to the named children at once and waits for them all to exit
     * (SIGKILL after the stop timeout). Idempotent.
     */
    async stop(names: readonly string[]): Promise<void> {
      await Promise.all(
        names.map(async (name) => {
          const running = children.get(name);
          if (running === undefined) return;
          running.stopRequested = true;
          await running.launched.stop('SIGTERM', options.stopTimeoutMs ?? 20_000);
        }),
      );
    },

    /** Marks the stack as stopping: no child starts after this, and exits are no longer unexpected. */
    beginStop(): void {
      stopping = true;
      for (const running of children.values()) running.stopRequested = true;
    },

    /** Kills every child still alive, synchronously: the last resort when the stack itself exits. */
    killAll(): void {
      for (const { launched: { child } } of children.values()) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;

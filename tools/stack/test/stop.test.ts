import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestBroker, repoRoot, startApp, waitFor, type TestBroker } from '@pipeline/testkit';
import { portIsFree } from '../src/busy-ports.ts';

/** The stack's own pid and its children, from its `stack ready` log line. */
interface ReadyStack {
  readonly stackPid: number;
  readonly children: ReadonlyArray<{ name: string; pid: number; url: string; metricsUrl?: string }>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process's parent pid, from /proc/<pid>/stat (the field after the state, past the command in parentheses). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Every port the stack's children listened on, from their URLs. */
function portsOf(ready: ReadyStack): number[] {
  return ready.children.flatMap((child) => [child.url, child.metricsUrl].filter((url) => url !== undefined).map((url) => Number(new URL(url).port)));
}

describe('stopping `npm start` (issue 15), through npm as a user runs it', () => {
  const services = inject('services');
  let broker: TestBroker;
  let npm: ChildProcess | undefined;
  let leftovers: number[] = [];

  beforeAll(async () => {
    broker = await createTestBroker(services.rabbitmqUrl);
  });

  afterEach(() => {
    // Whatever a failed test left behind, so it cannot hold ports for the next one.
    for (const pid of leftovers.filter(isAlive)) process.kill(pid, 'SIGKILL');
    leftovers = [];
    if (npm?.exitCode === null) npm.kill('SIGKILL');
  });

  afterAll(async () => {
    await broker.cleanup();
  });

  /** `npm start` on free ports, resolved once the stack logged `stack ready`. */
  async function npmStart(): Promise<{ npm: ChildProcess; ready: ReadyStack; exited: Promise<number | string> }> {
    const child = spawn('npm', ['start'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        RABBITMQ_URL: services.rabbitmqUrl,
        DATABASE_URL: services.databaseUrl,
        TOPOLOGY_PREFIX: broker.prefix,
        INGEST_PORT: '0',
        INGEST_METRICS_PORT: '0',
        EMULATOR_PORT: '0',
        WORKER_METRICS_PORT: '0',
        WORKERS: '1',
        STACK_CONTAINERS: 'never',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm = child;
    const exited = new Promise<number | string>((resolve) => {
      child.on('exit', (code, signal) => {
        resolve(code ?? signal ?? -1);
      });
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const line = await waitFor(() => output.split('\n').find((text) => text.startsWith('{') && text.includes('"msg":"stack ready"')), {
      timeoutMs: 90_000,
      what: `npm start's "stack ready"; output so far:\n${output.slice(-2000)}`,
    });
    const parsed = JSON.parse(line) as { pid: number; children: ReadyStack['children'] };
    const ready = { stackPid: parsed.pid, children: parsed.children };
    leftovers = [ready.stackPid, ...ready.children.map((c) => c.pid)];
    return { npm: child, ready, exited };
  }

  async function expectNothingLeft(ready: ReadyStack): Promise<void> {
    const pids = [ready.stackPid, ...ready.children.map((child) => child.pid)];
    await waitFor(() => (pids.some(isAlive) ? undefined : true), { timeoutMs: 30_000, what: `no process left of ${pids.join(', ')}` });
    for (const port of portsOf(ready)) expect(await portIsFree(port, '127.0.0.1'), `port ${port}`).toBe(true);
  }

  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm\'s own pid stops the stack and every child, and frees their ports', async (signal) => {
    const { npm: child, ready, exited } = await npmStart();
    // npm runs the stack itself (`exec` in the script), not a shell between them that the signal would end.
    expect(parentOf(ready.stackPid)).toBe(child.pid);
    child.kill(signal);
    await exited;
    await expectNothingLeft(ready);
  }, 180_000);

  it('SIGKILL to npm (nothing forwarded) still stops everything: the stack and its apps watch their parent', async () => {
    const { npm: child, ready } = await npmStart();
    child.kill('SIGKILL');
    await expectNothingLeft(ready);
  }, 180_000);
});

describe('npm start on a busy port (issue 15)', () => {
  let server: Server;
  let busyPort = 0;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    busyPort = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('says in one line which port is taken, by which process, and which variable moves it', async () => {
    const stack = startApp('tools/stack/src/main.ts', {
      RABBITMQ_URL: inject('services').rabbitmqUrl,
      DATABASE_URL: inject('services').databaseUrl,
      INGEST_PORT: String(busyPort),
      INGEST_METRICS_PORT: '0',
      EMULATOR_PORT: '0',
      WORKER_METRICS_PORT: '0',
      STACK_CONTAINERS: 'never',
    });
    expect(await stack.exited).toBe(1);
    const lines = stack.output().trim().split('\n').filter((line) => !line.startsWith('{'));
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^port ${busyPort} \\(INGEST_PORT\\) is already in use by pid ${process.pid} \\(.*\\): stop that process or set INGEST_PORT$`)),
    ]);
    expect(stack.output()).not.toContain('EADDRINUSE');
  }, 60_000);
});

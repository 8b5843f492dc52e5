import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestBroker, createTestDatabase, repoRoot, waitFor, type TestBroker, type TestDatabase } from '@pipeline/testkit';

// Issue 15's walkthrough on a fresh clone of this checkout (committed files only): install,
// `npm start`, paste the banner's `export` line, demo, reconcile an undelivered event, park a
// poison event and replay it, stop with Ctrl-C, and check nothing is left running.
//
// Install: `npm ci --offline` from the npm cache when FIRST_HOUR_NPM_CI=1; by default the
// checkout's installed node_modules are copied (`cp -a`, their workspace links are relative),
// which is the same tree `npm ci` makes from the same lock file, in seconds instead of minutes.
const run = promisify(execFile);
const services = inject('services');
let clone: string;
let broker: TestBroker;
let db: TestDatabase;
let stack: ChildProcess | undefined;
let stackOutput = '';
let cliEnv: Record<string, string>;

/** Processes whose working directory is inside the clone: the stack and its children, while they live. */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

/** The CLI as the user runs it in the second terminal: `npm run cli -- ...` in the clone, with the exported variables. */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run('npm', ['run', '-s', 'cli', '--', ...args], {
    cwd: clone,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...cliEnv },
    timeout: 120_000,
  });
  return stdout;
}

/** The variables of the banner's one `export` line. */
function exportsOf(banner: string): Record<string, string> {
  const line = /^ {2}export (.+)$/m.exec(banner)?.[1];
  if (line === undefined) throw new Error(`the banner has no export line:\n${banner}`);
  return Object.fromEntries(line.split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

beforeAll(async () => {
  clone = mkdtempSync(join(tmpdir(), 'first-hour-'));
  await run('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone]);
  if (process.env.FIRST_HOUR_NPM_CI === '1') await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: clone, timeout: 900_000 });
  else await run('cp', ['-a', join(repoRoot, 'node_modules'), join(clone, 'node_modules')]);
  // A database and topology of its own, so the walkthrough meets no other test's data.
  [broker, db] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase)]);
}, 900_000);

afterAll(async () => {
  // A failed step leaves the stack running: end its whole process group.
  try {
    if (stack?.pid !== undefined && stack.exitCode === null && stack.signalCode === null) process.kill(-stack.pid, 'SIGKILL');
  } finally {
    await Promise.all([broker.cleanup(), db.drop()]);
    rmSync(clone, { recursive: true, force: true });
  }
});

describe('a new user\'s first hour, on a fresh clone', () => {
  it('npm start prints a banner whose export line points the CLI at the stack', async () => {
    stack = spawn('npm', ['start'], {
      cwd: clone,
      // Its own process group, as a terminal's foreground job: Ctrl-C signals the whole group.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        RABBITMQ_URL: services.rabbitmqUrl,
        DATABASE_URL: db.url,
        TOPOLOGY_PREFIX: broker.prefix,
        STACK_CONTAINERS: 'never',
        // Any free ports: a developer's own stack may hold the defaults.
        INGEST_PORT: '0',
        INGEST_METRICS_PORT: '0',
        EMULATOR_PORT: '0',
        WORKER_METRICS_PORT: '0',
      },
    });
    stack.stdout?.on('data', (chunk: Buffer) => (stackOutput += chunk.toString()));
    stack.stderr?.on('data', (chunk: Buffer) => (stackOutput += chunk.toString()));
    await waitFor(() => stackOutput.includes('Ctrl-C stops everything'), { what: 'the banner', timeoutMs: 180_000, intervalMs: 500 });

    expect(stackOutput).toContain('Stripe webhook pipeline: the local stack is running');
    cliEnv = exportsOf(stackOutput);
    expect(cliEnv).toMatchObject({
      STRIPE_WEBHOOK_SECRET_PLATFORM: 'whsec_local_platform_example',
      STRIPE_WEBHOOK_SECRET_CONNECT: 'whsec_local_connect_example',
      STRIPE_SECRET_KEY: 'sk_test_local_example',
      TOPOLOGY_PREFIX: broker.prefix,
      DATABASE_URL: db.url,
    });
    expect(cliEnv.STRIPE_API_BASE).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cliEnv.INGEST_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('demo: a subscription activated, hosts paid and held, a held transfer released, a refund reversed from both hosts', async () => {
    const out = await cli('demo');

    expect(out).toMatch(/^ {2}subscription sub_\w+: active, access granted/m);
    expect(out).toMatch(/^ {4}host acct_\w+: 3\.00 hours, \$\d+\.\d\d: paid \(tr_\w+\)$/m);
    expect(out).toMatch(/^ {4}host acct_\w+: 1\.00 hours, \$\d+\.\d\d: held until its payouts are enabled$/m);
    expect(out).toMatch(/^ {4}released \$\d+\.\d\d for invoice in_\w+ \(tr_\w+\)$/m);
    expect(out).toMatch(/^ {2}charge ch_\w+ of invoice in_\w+: refunded \$25\.00 of \$100\.00$/m);
    expect([...out.matchAll(/^ {4}host acct_\w+: \$\d+\.\d\d reversed \(trr_\w+\)$/gm)]).toHaveLength(2);
  });

  it('an undelivered event reconciled', async () => {
    const recorded = await cli('trigger', 'invoice.paid', '--undelivered');
    const id = /^recorded (evt_\w+) \(invoice\.paid\) as undelivered/m.exec(recorded)?.[1];
    expect(id).toBeDefined();

    const reconciled = await cli('reconcile', '--since', '1h');
    expect(reconciled).toMatch(/^found 1 undelivered event since .*; 0 already finished$/m);
    expect(reconciled).toMatch(/^sent 1 event to \S+, skipped 0, failed 0$/m);
    await waitFor(async () => /outcome\s+processed/i.test(await cli('events', 'show', id!).catch(() => '')), { what: `${id!} to be processed`, timeoutMs: 60_000 });
  });

  it('a parked event replayed', async () => {
    const sent = await cli('trigger', 'account.updated', '--poison');
    const id = /sent (evt_\w+)/.exec(sent)?.[1];
    expect(id).toBeDefined();
    await waitFor(async () => (await cli('dead-letters', 'list')).includes(id!), { what: `${id!} to be parked`, timeoutMs: 60_000 });
    expect(await cli('dead-letters', 'list')).toMatch(new RegExp(`^${id!}\\s+account\\.updated\\s+.*PERMANENT`, 'm'));

    expect(await cli('dead-letters', 'replay', '--yes')).toMatch(/replayed 1/);
  });

  it('Ctrl-C stops the stack, and no process of it is left behind', async () => {
    const running = stack!;
    const exited = new Promise<string>((resolve) => running.once('exit', (code, signal) => { resolve(signal ?? `code ${code}`); }));
    process.kill(-running.pid!, 'SIGINT');
    // npm re-raises the signal that ended its script, as a shell's job would show `^C`.
    expect(['code 0', 'SIGINT']).toContain(await exited);
    expect(stackOutput).not.toMatch(/exited unexpectedly|EADDRINUSE/);
    await waitFor(() => processesIn(clone).length === 0, { what: 'every process of the stack to exit', timeoutMs: 30_000 });
    expect(existsSync(clone)).toBe(true);
  });
});

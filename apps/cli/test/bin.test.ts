import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@pipeline/testkit';

const run = promisify(execFile);

/** `npx --offline stripe-pipeline …` from the repository root, as a user types it: offline, so it can never fetch a package of that name. */
async function npx(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('npx', ['--offline', '--no-install', 'stripe-pipeline', ...args], { cwd: repoRoot, timeout: 60_000 });
    return { stdout, stderr, code: 0 };
  } catch (err: unknown) {
    const failed = err as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('the stripe-pipeline bin (issue 15)', () => {
  it('is declared on a file that exists without a build, and the lock file says the same, so npm ci links it', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'apps/cli/package.json'), 'utf8')) as { bin: Record<string, string> };
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> };
    const target = manifest.bin['stripe-pipeline'] ?? '';
    expect(target).not.toMatch(/dist\//);
    expect(existsSync(path.join(repoRoot, 'apps/cli', target))).toBe(true);
    expect(path.normalize(lock.packages['apps/cli']?.bin?.['stripe-pipeline'] ?? '')).toBe(path.normalize(target));
    expect(realpathSync(path.join(repoRoot, 'node_modules/.bin/stripe-pipeline'))).toBe(path.join(repoRoot, 'apps/cli', target));
  });

  it('answers --help offline with the whole help', async () => {
    const { stdout, code } = await npx('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: stripe-pipeline \[options\] \[command\]/);
    expect(stdout).toContain('dead-letters');
  });

  it('prints its version with --version', async () => {
    const version = (JSON.parse(readFileSync(path.join(repoRoot, 'apps/cli/package.json'), 'utf8')) as { version: string }).version;
    const { stdout, code } = await npx('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('prints a short usage on stdout and exits 0 when given no arguments', async () => {
    const { stdout, stderr, code } = await npx();
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: stripe-pipeline <command> \[options\]\n/);
    expect(stdout).toMatch(/^ {2}trigger +send /m);
    expect(stdout).toContain('--help');
    // Short: one line a command, not the whole help.
    expect(stdout.split('\n').length).toBeLessThan(20);
  });
});

import { execFile } from 'node:child_process';
import { repoRoot } from '@pipeline/testkit';

/** The CLI's entry point, run from source as `npm run cli` does. */
export const cliEntry = 'apps/cli/src/main.ts';

export interface CliResult {
  /** Exit status (or the signal's name). */
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Obviously fake signing secrets, one per endpoint. */
export const secrets = {
  platform: 'whsec_test_platform_5d2a9c71e08b4f36',
  connect: 'whsec_test_connect_a73e1f0c4b96d825',
} as const;

/**
 * Runs the CLI as a real process (stdin a pipe, so never a terminal) with exactly `env`
 * besides PATH and HOME: nothing leaks in from the test's own environment.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--conditions=source', cliEntry, ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : (err.signal ?? String(err.code));
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/** Asserts the shape every user mistake has: one `error: ...` line on stderr, no stack trace. */
export function oneErrorLine(result: CliResult): string {
  const lines = result.stderr.trimEnd().split('\n');
  if (lines.length !== 1 || !lines[0]?.startsWith('error: ') || /\n\s+at /.test(result.stderr)) {
    throw new Error(`expected one "error: ..." line on stderr, got:\n${result.stderr}`);
  }
  return lines[0];
}

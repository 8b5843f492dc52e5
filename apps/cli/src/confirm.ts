import { createInterface } from 'node:readline/promises';
import { CliError } from './cli-error.ts';
import type { CliIo } from './io.ts';

/**
 * Refuses up front when a confirmation would be needed but nobody can answer it: without
 * `--yes`, a destructive command needs stdin to be a terminal.
 */
export function ensureConfirmable(io: CliIo, options: { yes: boolean; dryRun: boolean }, action: string): void {
  if (options.yes || options.dryRun || io.stdin.isTTY === true) return;
  throw new CliError('CONFIRMATION_REQUIRED', `refusing to ${action} without confirmation: stdin is not a terminal; pass --yes (or --dry-run to look first)`);
}

/** Asks a yes/no question on the terminal; only `y` or `yes` agrees, Ctrl-C or end of input declines. */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  const prompt = createInterface({ input: io.stdin, output: io.stderr });
  const cancel = new AbortController();
  // Readline takes Ctrl-C for itself in raw mode; without this the question would hang.
  prompt.on('SIGINT', () => {
    cancel.abort();
  });
  prompt.on('close', () => {
    cancel.abort();
  });
  try {
    const answer = await prompt.question(`${question} [y/N] `, { signal: cancel.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    io.stderr.write('\n');
    return false;
  } finally {
    prompt.close();
  }
}

import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/program.ts';
import { oneErrorLine, runCli } from './cli.ts';

/** Every command of the tree, by its full name (`dead-letters replay`). */
function commandsOf(command: Command, prefix: string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands.flatMap((sub) => [{ path: [...prefix, sub.name()], command: sub }, ...commandsOf(sub, [...prefix, sub.name()])]);
}

const quietIo = { env: {}, print: () => undefined, stdin: process.stdin, stderr: process.stderr };
const tree = commandsOf(buildProgram(quietIo));

/** Runs `<path> --help` in this process, capturing what commander writes and the exit code it asks for. */
async function helpOf(path: readonly string[]): Promise<{ exitCode: number; text: string }> {
  const program = buildProgram(quietIo);
  let text = '';
  for (const command of [program, ...commandsOf(program).map((entry) => entry.command)]) {
    command.exitOverride().configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk) });
  }
  try {
    await program.parseAsync([...path, '--help'], { from: 'user' });
  } catch (err: unknown) {
    return { exitCode: (err as { exitCode: number }).exitCode, text };
  }
  throw new Error('--help did not stop the program');
}

describe('--help', () => {
  it.each(tree.map((entry) => [entry.path.join(' '), entry] as const))('%s --help exits 0 and names every option', async (_, { path, command }) => {
    const { exitCode, text } = await helpOf(path);

    expect(exitCode).toBe(0);
    expect(text).toContain(`Usage: stripe-pipeline ${path.join(' ')}`);
    for (const option of command.options) expect(text).toContain(option.long ?? option.flags);
  });

  it('covers every command the product documents', () => {
    expect(tree.map((entry) => entry.path.join(' '))).toEqual(
      expect.arrayContaining(['migrate', 'trigger', 'events list', 'events tail', 'events show', 'events prune', 'dead-letters list', 'dead-letters replay', 'dead-letters purge', 'replay', 'reconcile']),
    );
  });

  it('exits 0 from a real process and lists the commands', async () => {
    const [root, nested] = await Promise.all([runCli(['--help']), runCli(['dead-letters', 'replay', '--help'])]);

    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/^ {2}dead-letters\s/m);
    expect(nested.code).toBe(0);
    expect(nested.stdout).toContain('--older-than <duration>');
    expect(nested.stdout).toContain('--dry-run');
  });
});

describe('a mistake on the command line', () => {
  it('is one error line and a non-zero exit: unknown command, unknown option, bad value', async () => {
    const results = await Promise.all([
      runCli(['replya']),
      runCli(['dead-letters', 'list', '--frobnicate']),
      runCli(['dead-letters', 'replay', '--rate', 'fast']),
      runCli(['reconcile']),
    ]);

    for (const result of results) expect(result.code).not.toBe(0);
    const [command, option, value, missing] = results.map(oneErrorLine);
    expect(command).toMatch(/unknown command 'replya'.*replay/);
    expect(option).toMatch(/unknown option '--frobnicate'/);
    expect(value).toMatch(/'--rate <per-second>' argument 'fast' is invalid/);
    expect(missing).toMatch(/required option '--since <time>' not specified/);
  });
});

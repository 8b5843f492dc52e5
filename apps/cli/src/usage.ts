import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

/** The CLI's version, from its package.json (one level above src/ and dist/ alike). */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

/** What `stripe-pipeline` with no arguments prints: the commands in one line each, and where the details are. */
export function shortUsage(program: Command): string {
  const width = Math.max(...program.commands.map((command) => command.name().length));
  const lines = program.commands.map((command) => `  ${command.name().padEnd(width)}  ${command.summary() || command.description().split(/[:(]/)[0]?.trim()}`);
  return [`Usage: ${program.name()} <command> [options]`, '', 'Commands:', ...lines, '', `Run \`${program.name()} <command> --help\` for a command's options, \`--version\` for the version.`, ''].join('\n');
}

import path from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, describeError } from '@pipeline/core';
import { loadConfig, type BenchConfig } from './config.ts';
import { benchParts, type BenchPart } from './report/results.ts';
import { renderTextTable, renderTextTargets } from './report/text-table.ts';
import { writeReport } from './report/write-report.ts';
import { runBench } from './run-bench.ts';
import { settingsFor } from './settings.ts';
import type { EntryPreference } from './system/app-entry.ts';
import { stopAllApps } from './system/app-process.ts';
import { createCleanupStack } from './system/cleanup-stack.ts';

const baselineParts: readonly BenchPart[] = ['fastify', 'confirm', 'pg', 'express'];

function parseParts(value: string | undefined): Set<BenchPart> {
  if (value === undefined) return new Set(benchParts);
  const parts = new Set<BenchPart>();
  for (const name of value.split(',').map((part) => part.trim())) {
    if (name === 'baselines') baselineParts.forEach((part) => parts.add(part));
    else if ((benchParts as readonly string[]).includes(name)) parts.add(name as BenchPart);
    else throw new ConfigError(`--only: unknown part "${name}"; known: baselines, ${benchParts.join(', ')}`);
  }
  return parts;
}

const program = new Command()
  .name('bench')
  .description('Measures the ingest and the workers beside baselines measured in the same run, and writes a report.')
  .option('--quick', 'short runs (about a minute), for CI smoke use', false)
  .option('--out <dir>', 'where results.json, report.md and latency.svg are written', 'bench/results')
  .option('--only <parts>', `comma-separated parts to run: baselines, ${benchParts.join(', ')}`)
  .addOption(new Option('--entry <kind>', 'run the ingest and worker from their build (dist), their source, or the build when up to date').choices(['auto', 'dist', 'source']).default('auto'))
  .addOption(new Option('--profile <when>', 'CPU-profile the ingest/worker: where a target is missed (full runs), always, or never').choices(['auto', 'always', 'never']).default('auto'))
  .parse();

const flags = program.opts<{ quick: boolean; out: string; only?: string; entry: EntryPreference; profile: 'auto' | 'always' | 'never' }>();
let config: BenchConfig;
let parts: Set<BenchPart>;
try {
  config = loadConfig();
  parts = parseParts(flags.only);
} catch (err: unknown) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};
const cleanup = createCleanupStack((name, err) => {
  log(`cleanup of ${name} failed: ${describeError(err)}`);
});
const interrupt = (signal: NodeJS.Signals): void => {
  log(`${signal}: stopping children, dropping the bench database and topology`);
  void stopAllApps()
    .then(() => cleanup.runAll())
    .finally(() => process.exit(130));
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);

const args = process.argv.slice(2);
const command = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}` : `node ${[...process.execArgv, path.relative(process.cwd(), process.argv[1] ?? ''), ...args].join(' ')}`;
const outDir = path.resolve(flags.out);
const { results, failed } = await runBench({
  settings: settingsFor(flags.quick ? 'quick' : 'full'),
  parts,
  entry: flags.entry,
  profile: flags.profile,
  outDir,
  rabbitmqUrl: config.RABBITMQ_URL,
  databaseUrl: config.DATABASE_URL,
  command,
  cleanup,
  log,
});
const rows = writeReport(results, outDir);
process.stdout.write(`\n${renderTextTable(rows)}\n\nTargets\n${renderTextTargets(results.targets)}\n\nReport: ${path.relative(process.cwd(), path.join(outDir, 'report.md'))}\n`);
process.exitCode = failed ? 1 : 0;

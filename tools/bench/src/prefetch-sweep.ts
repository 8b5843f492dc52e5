import { Command } from 'commander';
import { ConfigError } from '@pipeline/core';
import { measureWorkers } from './scenarios/worker-run.ts';
import { resolveAppEntry } from './system/app-entry.ts';
import { prepareServices } from './system/bench-services.ts';

/**
 * How WORKER_PREFETCH's default was chosen: one worker drains the same pre-filled queue of
 * subscription events once per prefetch value, on the bench's own topology and database.
 * `node --conditions=source tools/bench/src/prefetch-sweep.ts [--values 1,4,16,64] [--events 3000]`
 */
const program = new Command('prefetch-sweep')
  .option('--values <list>', 'prefetch values to measure', '1,4,8,16,32,64')
  .option('--events <n>', 'events pre-filled for each value', '3000')
  .option('--replicas <n>', 'worker replicas', '1');
program.parse();
const flags = program.opts<{ values: string; events: string; replicas: string }>();
const values = flags.values.split(',').map(Number);
if (values.some((value) => !Number.isInteger(value) || value < 1)) throw new ConfigError('--values must be whole numbers of at least 1');

const entry = resolveAppEntry('worker', 'auto');
if (entry === undefined) throw new ConfigError('no worker entry point: run npm ci (and npm run build for the compiled one)');
const services = await prepareServices({
  rabbitmqUrl: process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
});
try {
  const rows: Array<Record<string, string | number>> = [];
  for (const prefetch of values) {
    const run = await measureWorkers(entry, services, { replicas: Number(flags.replicas), events: Number(flags.events), prefetch });
    rows.push({ prefetch, 'events/s': Math.round(run.ratePerS), 'wall s': Number(run.wallS.toFixed(1)), processed: run.check.processed });
    process.stdout.write(`prefetch ${prefetch}: ${Math.round(run.ratePerS)} events/s\n`);
  }
  console.table(rows);
} finally {
  await services.cleanup();
}

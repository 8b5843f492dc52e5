import { databaseTimeoutsOf } from '@pipeline/core';
import { readFile } from 'node:fs/promises';
import { CliError } from '../../cli-error.ts';
import { brokerSettings, databaseSettings, loadConfig } from '../../config.ts';
import { openDatabase } from '../../database.ts';
import { parseEventLines, type EventToPublish } from '../../event-file.ts';
import { findFinished } from '../../finished-events.ts';
import { formatTable, plural } from '../../format.ts';
import type { CliIo } from '../../io.ts';
import { publishAndReport } from '../../publish-run.ts';

export interface ReplayFileOptions {
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly rate?: number;
}

interface Selection {
  readonly selected: EventToPublish[];
  /** Left out: a worker already finished them. */
  readonly finished: number;
  /** Left out: the same id came earlier in the file. */
  readonly repeated: number;
}

/** Which ids a worker finished; none are looked up (and no database is needed) with `--force`. */
async function finishedIds(io: CliIo, events: readonly EventToPublish[], force: boolean): Promise<Set<string>> {
  if (force) return new Set();
  const config = loadConfig(databaseSettings, io.env);
  const pool = await openDatabase(config.DATABASE_URL, databaseTimeoutsOf(config));
  try {
    return await findFinished(pool, events.map((event) => event.envelope.id));
  } finally {
    await pool.end();
  }
}

/** Drops events a worker already finished and repeats of an id earlier in the file. */
function selectEvents(events: readonly EventToPublish[], finishedIds: ReadonlySet<string>): Selection {
  const seen = new Set<string>();
  const selected: EventToPublish[] = [];
  let finished = 0;
  let repeated = 0;
  for (const event of events) {
    const { id } = event.envelope;
    if (seen.has(id)) repeated += 1;
    else if (finishedIds.has(id)) finished += 1;
    else selected.push(event);
    seen.add(id);
  }
  return { selected, finished, repeated };
}

function describeSkipped({ finished, repeated }: Selection): string {
  return [finished > 0 ? `${finished} already finished` : '', repeated > 0 ? `${repeated} repeated in the file` : ''].filter((part) => part !== '').join(', ');
}

async function readEventFile(file: string): Promise<EventToPublish[]> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err: unknown) {
    throw new CliError('UNREADABLE_FILE', `cannot read ${file}`, { cause: err });
  }
  return parseEventLines(content);
}

/**
 * Publishes a file of Stripe events (one JSON object a line) as if the ingest had received
 * them, after checking every line; events the workers already finished are skipped.
 */
export async function runReplayFile(io: CliIo, file: string, options: ReplayFileOptions): Promise<void> {
  const events = await readEventFile(file);
  if (events.length === 0) {
    io.print(`no events in ${file}`);
    return;
  }
  const broker = loadConfig(brokerSettings, io.env);
  const selection = selectEvents(events, await finishedIds(io, events, options.force === true));
  const { selected } = selection;
  const skipped = describeSkipped(selection);
  if (options.dryRun === true) {
    const rows = selected.map((event) => [String(event.line ?? ''), event.envelope.id, event.envelope.type, event.envelope.account ?? '-']);
    if (rows.length > 0) for (const line of formatTable(['LINE', 'ID', 'TYPE', 'ACCOUNT'], rows)) io.print(line);
    io.print(`dry run: would send ${plural(selected.length, 'event')} of ${events.length}${skipped === '' ? '' : ` (skipping ${skipped})`}`);
    return;
  }
  if (selected.length === 0) {
    io.print(`nothing to send: all ${plural(events.length, 'event')} skipped (${skipped})`);
    return;
  }
  await publishAndReport(io, broker, selected, { rate: options.rate, skipped: selection.finished + selection.repeated, skippedDetail: skipped });
}

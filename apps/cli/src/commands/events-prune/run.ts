import { databaseTimeoutsOf } from '@pipeline/core';
import { pruneEvents } from '@pipeline/db';
import { CliError } from '../../cli-error.ts';
import { databaseSettings, loadConfig } from '../../config.ts';
import { openDatabase } from '../../database.ts';
import { formatDuration, plural } from '../../format.ts';
import type { CliIo } from '../../io.ts';

/** Stripe resends an undelivered event for up to 3 days: a record pruned sooner would let a resend run twice. */
export const minimumRetentionMs = 3 * 86_400_000;

export interface EventsPruneOptions {
  /** Milliseconds. */
  readonly olderThan: number;
}

/** Deletes processing records not touched for `olderThan` (never less than 3 days). */
export async function runEventsPrune(io: CliIo, options: EventsPruneOptions): Promise<void> {
  if (options.olderThan < minimumRetentionMs) {
    throw new CliError(
      'RETENTION_TOO_SHORT',
      `--older-than ${formatDuration(options.olderThan)} is too short: Stripe resends events for up to 3 days, and a resent event whose record is gone would be processed again; use 3d or more`,
    );
  }
  const config = loadConfig(databaseSettings, io.env);
  const cutoff = new Date(Date.now() - options.olderThan);
  const pool = await openDatabase(config.DATABASE_URL, databaseTimeoutsOf(config));
  try {
    const deleted = await pruneEvents(pool, cutoff);
    io.print(`pruned ${plural(deleted, 'event record')} last updated before ${cutoff.toISOString()}`);
  } finally {
    await pool.end();
  }
}

import { databaseTimeoutsOf } from '@pipeline/core';
import { findEvent, findEventReversals, findHostTransfers } from '@pipeline/db';
import { CliError } from '../../cli-error.ts';
import { databaseSettings, loadConfig } from '../../config.ts';
import { openDatabase } from '../../database.ts';
import { formatEventRecord, formatHostTransfers, formatTransferReversals, invoiceIdOf } from '../../event-record.ts';
import type { CliIo } from '../../io.ts';

export interface EventsShowOptions {
  readonly json?: boolean;
}

/** Prints how the workers processed one event, for an invoice what its hosts are owed, and what it took back from host transfers. */
export async function runEventsShow(io: CliIo, id: string, options: EventsShowOptions): Promise<void> {
  const config = loadConfig(databaseSettings, io.env);
  const pool = await openDatabase(config.DATABASE_URL, databaseTimeoutsOf(config));
  try {
    const event = await findEvent(pool, id);
    if (event === undefined) throw new CliError('UNKNOWN_EVENT', `no event ${id} has been processed (no row in stripe_events)`);
    const invoiceId = event.type.startsWith('invoice.') ? invoiceIdOf(event.effects) : undefined;
    const transfers = invoiceId === undefined ? undefined : await findHostTransfers(pool, invoiceId);
    const reversals = await findEventReversals(pool, id);
    if (options.json === true) {
      const taken = reversals.length === 0 ? {} : { transferReversals: reversals };
      io.print(JSON.stringify({ event, ...(transfers === undefined ? {} : { invoiceId, hostTransfers: transfers }), ...taken }, null, 2));
      return;
    }
    for (const line of formatEventRecord(event)) io.print(line);
    if (invoiceId !== undefined && transfers !== undefined) for (const line of formatHostTransfers(invoiceId, transfers)) io.print(line);
    for (const line of formatTransferReversals(reversals)) io.print(line);
  } finally {
    await pool.end();
  }
}

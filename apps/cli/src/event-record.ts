import type { StripeEventRecord } from '@pipeline/db';
import { formatTable } from './format.ts';
import type { HostTransferRow, TransferReversalRow } from '@pipeline/db';

/**
 * The invoice an event's effects name. The ledger keeps no object id of its own, so the
 * effects the invoice command stored are searched for one (`invoiceId`, `invoice`, ...).
 */
export function invoiceIdOf(effects: unknown): string | undefined {
  if (typeof effects !== 'object' || effects === null) return undefined;
  const record = effects as Record<string, unknown>;
  for (const key of ['invoiceId', 'invoice_id', 'invoice', 'transferGroup', 'transfer_group', 'id']) {
    const value = record[key];
    if (typeof value === 'string' && value.startsWith('in_')) return value;
  }
  return Object.values(record).find((value): value is string => typeof value === 'string' && /^in_\w+$/.test(value));
}

const time = (date: Date | null): string => (date === null ? '-' : date.toISOString());

/** The human description of `events show`: one field a line, effects as indented JSON. */
export function formatEventRecord(event: StripeEventRecord): string[] {
  const fields: Array<[string, string]> = [
    ['id', event.id],
    ['type', event.type],
    ['endpoint', event.endpoint],
    ['account', event.account ?? '-'],
    ['livemode', String(event.livemode)],
    ['created', time(event.eventCreated)],
    ['outcome', event.outcome],
    ['attempts', String(event.attempts)],
    ['last error', event.lastError ?? '-'],
    ['first seen', time(event.firstSeenAt)],
    ['updated', time(event.updatedAt)],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  if (event.effects === null || event.effects === undefined) return [...lines, `${'effects'.padEnd(width)}  -`];
  return [...lines, 'effects', ...JSON.stringify(event.effects, null, 2).split('\n').map((line) => `  ${line}`)];
}

/** The host transfers of an invoice as a table. */
export function formatHostTransfers(invoiceId: string, transfers: readonly HostTransferRow[]): string[] {
  if (transfers.length === 0) return [`host transfers for ${invoiceId}: none`];
  return [
    `host transfers for ${invoiceId}:`,
    ...formatTable(
      ['HOST', 'AMOUNT', 'CURRENCY', 'HOURS', 'STATUS', 'TRANSFER', 'PAID AT'],
      transfers.map((row) => [row.hostAccountId, row.amount, row.currency, row.hours, row.status, row.stripeTransferId ?? '-', time(row.paidAt)]),
    ).map((line) => `  ${line}`),
  ];
}

/** What the event took back from host transfers (`transfer_reversals`), one line each; nothing when it took nothing. */
export function formatTransferReversals(reversals: readonly TransferReversalRow[]): string[] {
  if (reversals.length === 0) return [];
  return [
    'taken back from host transfers:',
    ...formatTable(
      ['INVOICE', 'HOST', 'KIND', 'AMOUNT', 'CURRENCY', 'REASON', 'TRANSFER', 'REVERSAL'],
      reversals.map((row) => [row.invoiceId, row.hostAccountId, row.kind, row.amount, row.currency, row.reason, row.stripeTransferId ?? '-', row.stripeReversalId ?? '-']),
    ).map((line) => `  ${line}`),
  ];
}

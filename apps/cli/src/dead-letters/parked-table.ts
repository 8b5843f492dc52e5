import { formatTable, truncate } from '../format.ts';
import type { ParkedMessage } from './parked-message.ts';

function errorText(message: ParkedMessage): string {
  if (message.error === undefined) return '-';
  return message.parkedBy === 'worker' && message.errorCode !== undefined ? `${message.errorCode}: ${message.error}` : message.error;
}

/** The human table of `dead-letters list` and of the dry runs. */
export function parkedMessageTable(messages: readonly ParkedMessage[]): string[] {
  return formatTable(
    ['ID', 'TYPE', 'ACCOUNT', 'ATTEMPTS', 'PARKED AT', 'ERROR'],
    messages.map((message) => [
      message.id ?? '(no id)',
      message.type ?? '?',
      message.account ?? '-',
      message.attempts === undefined ? '-' : String(message.attempts),
      message.parkedAt?.toISOString().replace(/\.\d{3}Z$/, 'Z') ?? '?',
      truncate(errorText(message), 100),
    ]),
  );
}

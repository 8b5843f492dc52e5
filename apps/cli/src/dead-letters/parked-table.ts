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

/**
 * Prints the table page by page, so a large backlog never sits in memory at once; each page
 * pads its own columns, and only the first prints the header. Returns the rows printed.
 */
export async function printParkedPages(print: (line: string) => void, pages: AsyncIterable<readonly ParkedMessage[]>): Promise<number> {
  let printed = 0;
  for await (const page of pages) {
    const lines = parkedMessageTable(page);
    for (const line of printed === 0 ? lines : lines.slice(1)) print(line);
    printed += page.length;
  }
  return printed;
}

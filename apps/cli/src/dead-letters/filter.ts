import { formatDuration } from '../format.ts';
import type { ParkedMessage } from './parked-message.ts';

/** The filters shared by `dead-letters list`, `replay` and `purge`; every one given must match. */
export interface DeadLetterFilter {
  /** Event type, or a glob such as `invoice.*` or `customer.subscription.*`. */
  readonly type?: string | undefined;
  /** Connected account id, exactly. */
  readonly account?: string | undefined;
  /** Substring of the last error (case-insensitive). */
  readonly error?: string | undefined;
  /** Parked at least this long ago, in ms. */
  readonly olderThanMs?: number | undefined;
}

/** A glob (`*` any run of characters, `?` one character) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** A predicate for the messages `filter` selects, with "older than" measured from `now`. */
export function makeDeadLetterMatcher(filter: DeadLetterFilter, now: Date): (message: ParkedMessage) => boolean {
  const type = filter.type === undefined ? undefined : globToRegExp(filter.type);
  const error = filter.error?.toLowerCase();
  const parkedBefore = filter.olderThanMs === undefined ? undefined : now.getTime() - filter.olderThanMs;
  return (message) => {
    if (type !== undefined && (message.type === undefined || !type.test(message.type))) return false;
    if (filter.account !== undefined && message.account !== filter.account) return false;
    if (error !== undefined && !(message.error ?? '').toLowerCase().includes(error)) return false;
    if (parkedBefore !== undefined && (message.parkedAt === undefined || message.parkedAt.getTime() > parkedBefore)) return false;
    return true;
  };
}

/** The filters in the words of the command line, for summaries (`--type invoice.* --account acct_1`). */
export function describeFilter(filter: DeadLetterFilter): string {
  const parts: string[] = [];
  if (filter.type !== undefined) parts.push(`--type ${filter.type}`);
  if (filter.account !== undefined) parts.push(`--account ${filter.account}`);
  if (filter.error !== undefined) parts.push(`--error ${JSON.stringify(filter.error)}`);
  if (filter.olderThanMs !== undefined) parts.push(`--older-than ${formatDuration(filter.olderThanMs)}`);
  return parts.join(' ');
}

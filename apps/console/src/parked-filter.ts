import type { ParkedEventFilter } from '@pipeline/db';

/** The parked-event filters as the console's forms and links carry them (all optional text). */
export interface ParkedFilterFields {
  readonly type?: unknown;
  readonly account?: unknown;
  readonly error?: unknown;
  /** ISO time or `datetime-local` value: parked at or before. */
  readonly before?: unknown;
}

/** A field's text, or undefined when absent or blank. */
export function text(value: unknown): string | undefined {
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export class BadInput extends Error {}

/** An event type or a glob of one (`invoice.*`), as every console filter takes it. */
export function typeGlobOf(value: unknown): string | undefined {
  const type = text(value);
  if (type !== undefined && !/^[a-z0-9_.*?]+$/.test(type)) throw new BadInput('type must be an event type or a glob of one, e.g. invoice.* (letters, digits, _ . * ?)');
  return type;
}

/** A connected account id, as every console filter takes it. */
export function accountOf(value: unknown): string | undefined {
  const account = text(value);
  if (account !== undefined && !/^acct_[A-Za-z0-9]+$/.test(account)) throw new BadInput('account must be a connected account id, e.g. acct_1A2b3C');
  return account;
}

/** The SQL filter of the form fields; a BadInput (answered 400) names the field that is wrong. */
export function parkedFilterOf(fields: ParkedFilterFields): ParkedEventFilter {
  const type = typeGlobOf(fields.type);
  const account = accountOf(fields.account);
  const error = text(fields.error);
  if (error !== undefined && error.length > 200) throw new BadInput('error must be at most 200 characters');
  const before = text(fields.before);
  let parkedBefore: Date | undefined;
  if (before !== undefined) {
    parkedBefore = new Date(before);
    if (Number.isNaN(parkedBefore.getTime())) throw new BadInput('before must be a date and time, e.g. 2026-12-01T10:00');
  }
  return { type, account, error, parkedBefore };
}

/** Row ids of a selection (`ids`, once or repeated); a BadInput when one is not a row id. */
export function idsOf(value: unknown): string[] {
  const list: unknown[] = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const ids = list.map((id) => (typeof id === 'string' ? id.trim() : ''));
  if (ids.some((id) => !/^[1-9][0-9]{0,18}$/.test(id))) throw new BadInput('ids must be parked-event row ids');
  return [...new Set(ids)];
}

/** The filter as query-string fields, for links and hidden inputs. */
export function filterFields(filter: ParkedEventFilter): Record<string, string> {
  const fields: Record<string, string> = {};
  if (filter.type !== undefined) fields.type = filter.type;
  if (filter.account !== undefined) fields.account = filter.account;
  if (filter.error !== undefined) fields.error = filter.error;
  if (filter.parkedBefore !== undefined) fields.before = filter.parkedBefore.toISOString();
  return fields;
}

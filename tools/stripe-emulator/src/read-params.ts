import type { FormParams, FormValue } from './decode-form.ts';
import { invalidParam, missingParam, unknownParam } from './stripe-error.ts';

/**
 * Readers for request parameters. Each throws Stripe's 400 answer naming the parameter
 * (`param`) when the value is missing or malformed. Values arrive as strings (forms and
 * query strings carry no types); a JSON body's numbers and booleans are accepted too.
 */

/** Rejects any parameter not in `allowed`, as Stripe does. `expand` is always allowed. */
export function rejectUnknownParams(params: FormParams, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (key !== 'expand' && !allowed.includes(key)) throw unknownParam(key);
  }
}

function scalar(params: FormParams, name: string): string | undefined {
  // A JSON body may carry numbers and booleans where a form carries strings.
  const value: unknown = params[name];
  if (value === undefined) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw invalidParam(name, `Invalid ${name}: must be a string, not an object or list.`);
  return value;
}

/** An optional string; an empty string counts as absent (Stripe's way to unset a field). */
export function optionalString(params: FormParams, name: string): string | undefined {
  const value = scalar(params, name);
  return value === '' ? undefined : value;
}

/** A required, non-empty string. */
export function requiredString(params: FormParams, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

/** Parses an integer parameter, or throws naming it. */
export function parseInteger(name: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw invalidParam(name, `Invalid integer: ${value}`, 'parameter_invalid_integer');
  }
  return Number(value);
}

/** A required integer of at least `min`. */
export function requiredInteger(params: FormParams, name: string, min: number): number {
  const value = parseInteger(name, requiredString(params, name));
  if (value < min) throw invalidParam(name, `This value must be greater than or equal to ${min}.`, 'parameter_invalid_integer');
  return value;
}

/** An optional boolean given as `true` or `false`. */
export function optionalBoolean(params: FormParams, name: string): boolean | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw invalidParam(name, `Invalid boolean: ${value}`);
  return value === 'true';
}

/** An optional list of strings (`types[]=a&types[]=b` or `types[0]=a`). */
export function optionalStringList(params: FormParams, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalidParam(name, `Invalid array: ${name} must be a list of strings.`);
  return value as string[];
}

/** `metadata[key]=value` pairs; absent or empty gives `{}`. */
export function readMetadata(params: FormParams): Record<string, string> {
  const value = params.metadata;
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam('metadata', 'Invalid object');
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw invalidParam(`metadata[${key}]`, 'Invalid metadata value: must be a string.');
    if (item !== '') metadata[key] = item;
  }
  return metadata;
}

/** A range filter on `created` (seconds): `created=N` or `created[gte|gt|lte|lt]=N`. */
export interface CreatedRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** Reads `created` as Stripe's list endpoints take it. */
export function readCreatedRange(params: FormParams): CreatedRange | undefined {
  const value = params.created as FormValue | number | undefined;
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number') {
    const exact = parseInteger('created', String(value));
    return { gte: exact, lte: exact };
  }
  if (Array.isArray(value)) throw invalidParam('created', 'Invalid created: an integer or an object with gt, gte, lt or lte.');
  const range: CreatedRange = {};
  for (const [bound, item] of Object.entries(value)) {
    if (bound !== 'gt' && bound !== 'gte' && bound !== 'lt' && bound !== 'lte') throw unknownParam(`created[${bound}]`);
    if (typeof item !== 'string') throw invalidParam(`created[${bound}]`, `Invalid integer: created[${bound}]`, 'parameter_invalid_integer');
    range[bound] = parseInteger(`created[${bound}]`, item);
  }
  return range;
}

/** True when `created` (seconds) is inside `range`. */
export function inCreatedRange(created: number, range: CreatedRange | undefined): boolean {
  if (range === undefined) return true;
  return (
    (range.gt === undefined || created > range.gt) &&
    (range.gte === undefined || created >= range.gte) &&
    (range.lt === undefined || created < range.lt) &&
    (range.lte === undefined || created <= range.lte)
  );
}

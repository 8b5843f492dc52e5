import type { FormParams } from './decode-form.ts';
import { invalidParam } from './stripe-error.ts';
import { optionalString, parseInteger } from './read-params.ts';

/** Stripe's cursor pagination parameters. */
export interface PageRequest {
  /** Default 10, between 1 and 100. */
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

/** Stripe's list object. */
export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** The parameter names `readPageRequest` reads, for an endpoint's list of allowed parameters. */
export const pageParams = ['limit', 'starting_after', 'ending_before'] as const;

/** Reads `limit`, `starting_after` and `ending_before`. */
export function readPageRequest(params: FormParams): PageRequest {
  const rawLimit = optionalString(params, 'limit');
  const limit = rawLimit === undefined ? 10 : parseInteger('limit', rawLimit);
  if (limit < 1 || limit > 100) throw invalidParam('limit', `Invalid limit: must be between 1 and 100, got ${limit}.`);
  const startingAfter = optionalString(params, 'starting_after');
  const endingBefore = optionalString(params, 'ending_before');
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw invalidParam('ending_before', 'You may only specify one of these parameters: starting_after, ending_before.');
  }
  return { limit, ...(startingAfter === undefined ? {} : { startingAfter }), ...(endingBefore === undefined ? {} : { endingBefore }) };
}

/**
 * One page of `items` (already in Stripe's order, newest first) as a Stripe list.
 * `starting_after` gives the items after that id; `ending_before` the ones just before
 * it, still newest first. A cursor that is not in the list is Stripe's 400.
 */
export function paginate<T>(items: readonly T[], page: PageRequest, idOf: (item: T) => string, options: { url: string; kind: string }): StripeList<T> {
  const cursor = page.startingAfter ?? page.endingBefore;
  let start = 0;
  if (cursor !== undefined) {
    const index = items.findIndex((item) => idOf(item) === cursor);
    const param = page.startingAfter === undefined ? 'ending_before' : 'starting_after';
    if (index === -1) throw invalidParam(param, `No such ${options.kind}: '${cursor}'`, 'resource_missing');
    if (page.startingAfter === undefined) {
      start = Math.max(0, index - page.limit);
      return { object: 'list', data: items.slice(start, index), has_more: start > 0, url: options.url };
    }
    start = index + 1;
  }
  const end = Math.min(items.length, start + page.limit);
  return { object: 'list', data: items.slice(start, end), has_more: end < items.length, url: options.url };
}

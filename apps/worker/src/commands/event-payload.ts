import type Stripe from 'stripe';
import { z } from 'zod';
import { PermanentError } from '@pipeline/core';

/**
 * Reading what a command needs from an event. Commands trust only what these checks
 * passed: a payload without a field a command reads can never be applied, whatever the
 * retries, so it fails with a PermanentError that names the field (never its value).
 */

/** A Stripe id, whether the field holds the id or the expanded object. */
export const stripeRef = z.union([z.string().min(1), z.object({ id: z.string().min(1) })]).transform((ref) => (typeof ref === 'string' ? ref : ref.id));

/** Unix seconds, as Stripe writes every timestamp. */
export const unixSeconds = z.number().int().nonnegative();

/** `event.data.object` checked against `schema`; throws a PermanentError naming every bad field. */
export function readObject<S extends z.ZodType>(event: Stripe.Event, schema: S): z.output<S> {
  const result = schema.safeParse((event.data as { object?: unknown } | undefined)?.object);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${['data', 'object', ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw new PermanentError(`${describe(event)} cannot be applied: ${problems.join('; ')}`, { cause: result.error });
}

/** The connected account a Connect event belongs to (`event.account`). */
export function connectedAccountOf(event: Stripe.Event): string {
  const account = (event as { account?: unknown }).account;
  if (typeof account === 'string' && account !== '') return account;
  throw new PermanentError(`${describe(event)} cannot be applied: account: a Connect event must name its connected account`);
}

/** When Stripe created the event: the stamp that orders events about one object. */
export function eventCreatedAt(event: Stripe.Event): Date {
  const created = (event as { created?: unknown }).created;
  if (typeof created === 'number' && Number.isSafeInteger(created) && created > 0) return new Date(created * 1000);
  throw new PermanentError(`${describe(event)} cannot be applied: created: must be a Unix timestamp in seconds`);
}

function describe(event: Stripe.Event): string {
  return `${event.type} event ${event.id}`;
}

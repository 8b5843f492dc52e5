import { z } from 'zod';

/**
 * The fields of a Stripe event envelope the pipeline relies on; everything else passes
 * through untouched. Shared by the ingest (before publishing) and the worker (before running
 * a command), so both sides agree on what "a Stripe event" is.
 */
export const stripeEventEnvelope = z.object({
  id: z.string().regex(/^evt_\w{1,250}$/, 'id must look like evt_...'),
  object: z.literal('event'),
  type: z.string().max(200).regex(/^[a-z0-9_]+(\.[a-z0-9_]+){1,6}$/, 'type must look like invoice.paid'),
  created: z.number().int().nonnegative(),
  livemode: z.boolean(),
  account: z.string().regex(/^acct_\w{1,250}$/, 'account must look like acct_...').nullish(),
  // An object, checked without walking it: the commands validate what they read of it,
  // and copying a whole Stripe object on every request is the ingest's hottest cost.
  data: z.object({
    object: z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'must be an object' }),
  }),
});

export type StripeEventEnvelope = z.output<typeof stripeEventEnvelope>;

/** The first problem zod found, as `path: message`, for a one-line reason. */
export function describeEnvelopeProblem(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return 'invalid';
  const where = first.path.join('.');
  return where === '' ? first.message : `${where}: ${first.message}`;
}

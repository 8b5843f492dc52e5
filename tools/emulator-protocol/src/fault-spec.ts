import { z } from 'zod';

/** What `POST /_emulator/faults` takes. */
export const faultSpecSchema = z.strictObject({
  /** Status to answer with (500, 502, 503, 429, ...); default 500. Below 400 the request is only delayed, then answered normally. */
  status: z.int().min(100).max(599).default(500),
  /** Hang this long before answering; default 0. Longer than the client's timeout gives a StripeConnectionError. */
  delayMs: z.int().min(0).max(600_000).default(0),
  /** How many matching requests to fault; default: every one until the faults are cleared. */
  count: z.int().positive().optional(),
  /** Fault each matching request with this probability (0 to 1); default 1. A request left alone does not count. */
  probability: z.number().min(0).max(1).optional(),
  /** Only requests whose path starts with this, e.g. `/v1/transfers`; default every `/v1` path. */
  path: z.string().startsWith('/').optional(),
  /** Only requests with this method (any case); default any. */
  method: z.string().min(1).optional(),
  /**
   * Carry the request out (object created, idempotent answer stored) and only then fail the
   * answer, as when Stripe acts but the response is lost; default false (no side effect).
   */
  afterEffect: z.boolean().default(false),
  /**
   * Keep the fault's answer under the request's idempotency key, replayed for that key as
   * Stripe replays a saved error; default true for a 5xx (Stripe saves an endpoint's 500s),
   * false otherwise (a 429 or a refusal comes before the endpoint runs). With `afterEffect`
   * the request is carried out and the fault's answer, not the real one, is what the key keeps.
   */
  saved: z.boolean().optional(),
  /** Overrides of the error body's `type`, `code` and `message`; default Stripe's for the status. */
  type: z.enum(['api_error', 'card_error', 'idempotency_error', 'invalid_request_error']).optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

/** A fault as the control API receives it. */
export type FaultSpec = z.input<typeof faultSpecSchema>;

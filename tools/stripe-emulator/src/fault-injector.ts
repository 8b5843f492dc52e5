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

/** A queued fault. */
export interface Fault {
  id: number;
  status: number;
  delayMs: number;
  /** Matching requests it will still fault; null: until cleared. */
  remaining: number | null;
  probability: number;
  path: string | null;
  method: string | null;
  afterEffect: boolean;
  saved: boolean;
  type: z.output<typeof faultSpecSchema>['type'];
  code: string | undefined;
  message: string | undefined;
}

/** The queue of injected faults. */
export interface FaultInjector {
  add(spec: z.output<typeof faultSpecSchema>): Fault;
  /** The first queued fault that matches the request, counting it as used; undefined when none. */
  take(method: string, path: string): Fault | undefined;
  list(): Fault[];
  clear(): void;
}

/** An empty fault queue. */
export function createFaultInjector(): FaultInjector {
  let faults: Fault[] = [];
  let nextId = 1;
  return {
    add(spec) {
      const fault: Fault = {
        id: nextId++,
        status: spec.status,
        delayMs: spec.delayMs,
        remaining: spec.count ?? null,
        probability: spec.probability ?? 1,
        path: spec.path ?? null,
        method: spec.method?.toUpperCase() ?? null,
        afterEffect: spec.afterEffect,
        saved: spec.saved ?? (spec.status >= 500 && !spec.afterEffect),
        type: spec.type,
        code: spec.code,
        message: spec.message,
      };
      faults.push(fault);
      return fault;
    },
    take(method, path) {
      const fault = faults.find(
        (candidate) =>
          (candidate.path === null || path.startsWith(candidate.path)) &&
          (candidate.method === null || candidate.method === method.toUpperCase()) &&
          (candidate.probability >= 1 || Math.random() < candidate.probability),
      );
      if (fault === undefined) return undefined;
      if (fault.remaining !== null) {
        fault.remaining -= 1;
        if (fault.remaining === 0) faults = faults.filter((candidate) => candidate !== fault);
      }
      return { ...fault };
    },
    list() {
      return faults.map((fault) => ({ ...fault }));
    },
    clear() {
      faults = [];
    },
  };
}

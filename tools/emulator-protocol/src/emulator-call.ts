/** One `/v1` request as the emulator saw it (`GET /_emulator/calls`), for tests to assert on. */
export interface EmulatorCall {
  method: string;
  /** The path without its query string, e.g. `/v1/transfers`. */
  path: string;
  /** The decoded parameters: the query of a GET, the body of a POST (`metadata[a]=b` as `{ metadata: { a: 'b' } }`). */
  params: Record<string, unknown>;
  idempotencyKey: string | null;
  /** The `Stripe-Account` header; null for the platform's own calls. */
  account: string | null;
  /** The status answered; 0 while the request is still being answered (e.g. hanging on a fault). */
  status: number;
  /** True when the answer was an idempotent replay of an earlier request. */
  replayed: boolean;
  /** True when an injected fault shaped the answer. */
  faulted: boolean;
  /** Arrival time, ISO 8601. */
  at: string;
  /** The `Request-Id` header of the answer. */
  requestId: string;
}

import type { Endpoint } from '@pipeline/broker';

/** How one POST ended. */
export type AttemptResult =
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'connection'; readonly code: string }
  | { readonly kind: 'timeout' };

export interface Attempt {
  readonly eventId: string;
  /** Epoch ms when the request started and when its answer (or failure) came. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly result: AttemptResult;
}

export interface LedgerEntry {
  readonly id: string;
  readonly type: string;
  readonly endpoint: Endpoint;
  readonly attempts: Attempt[];
  /** Deliveries of this id the stream asked for (more than one for a resend). */
  deliveries: number;
  /** Deliveries that ended with a 2xx. */
  acknowledged: number;
}

/** Every attempt the sender made, per event id and in order of completion. */
export interface DeliveryLedger {
  readonly entries: ReadonlyMap<string, LedgerEntry>;
  /** All attempts, in the order they ended. */
  readonly attempts: readonly Attempt[];
  open(id: string, type: string, endpoint: Endpoint): LedgerEntry;
  record(attempt: Attempt): void;
  /** Ids that got at least one 2xx. */
  acknowledgedIds(): string[];
  /** Deliveries that never got a 2xx before the sender gave up. */
  unacknowledgedDeliveries(): number;
  summary(): LedgerSummary;
}

export interface LedgerSummary {
  readonly events: number;
  readonly deliveries: number;
  readonly attempts: number;
  readonly ok: number;
  /** Answers by status, e.g. `{ 200: 812, 503: 40 }`. */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly connectionErrors: number;
  readonly timeouts: number;
  readonly resentAfterFailure: number;
}

export const isSuccess = (result: AttemptResult): boolean => result.kind === 'status' && result.status >= 200 && result.status < 300;

export function createDeliveryLedger(): DeliveryLedger {
  const entries = new Map<string, LedgerEntry>();
  const attempts: Attempt[] = [];
  return {
    entries,
    attempts,
    open(id, type, endpoint) {
      const existing = entries.get(id);
      if (existing !== undefined) {
        existing.deliveries += 1;
        return existing;
      }
      const entry: LedgerEntry = { id, type, endpoint, attempts: [], deliveries: 1, acknowledged: 0 };
      entries.set(id, entry);
      return entry;
    },
    record(attempt) {
      attempts.push(attempt);
      const entry = entries.get(attempt.eventId);
      if (entry === undefined) throw new Error(`attempt for an event the ledger never opened: ${attempt.eventId}`);
      entry.attempts.push(attempt);
      if (isSuccess(attempt.result)) entry.acknowledged += 1;
    },
    acknowledgedIds() {
      return [...entries.values()].filter((entry) => entry.acknowledged > 0).map((entry) => entry.id);
    },
    unacknowledgedDeliveries() {
      let missing = 0;
      for (const entry of entries.values()) missing += entry.deliveries - entry.acknowledged;
      return missing;
    },
    summary() {
      const byStatus: Record<string, number> = {};
      let connectionErrors = 0;
      let timeouts = 0;
      for (const { result } of attempts) {
        if (result.kind === 'status') byStatus[result.status] = (byStatus[result.status] ?? 0) + 1;
        else if (result.kind === 'connection') connectionErrors += 1;
        else timeouts += 1;
      }
      const deliveries = [...entries.values()].reduce((sum, entry) => sum + entry.deliveries, 0);
      const ok = attempts.filter((attempt) => isSuccess(attempt.result)).length;
      return { events: entries.size, deliveries, attempts: attempts.length, ok, byStatus, connectionErrors, timeouts, resentAfterFailure: attempts.length - ok };
    },
  };
}

/** An answer kept for replay: status, body and the id of the request that produced it. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  requestId: string;
}

/** What `begin` found for a key. */
export type IdempotencyClaim =
  /** First use of the key: carry the request out, then `complete` (keep the answer) or `release` (keep nothing). */
  | { kind: 'new'; complete(answer: StoredAnswer): void; release(): void }
  /** The same request was answered before: send that answer again. */
  | { kind: 'replay'; answer: StoredAnswer }
  /** The key was used with other parameters. */
  | { kind: 'mismatch' }
  /** The same request is still being carried out: wait for `settled`, then `begin` again. */
  | { kind: 'pending'; settled: Promise<void> };

/** Stripe's idempotency layer: one answer per key, replayed for the same request. */
export interface IdempotencyStore {
  /** Claims `key` (already scoped by account) for a request whose parameters hash to `fingerprint`. */
  begin(key: string, fingerprint: string): IdempotencyClaim;
  clear(): void;
}

interface Entry {
  fingerprint: string;
  storedAt: number;
  answer: StoredAnswer | undefined;
  settled: Promise<void>;
  settle: () => void;
}

/**
 * An in-memory idempotency store. Keys are kept `ttlMs` after their answer (default 24 h,
 * as Stripe does); `now` defaults to Date.now.
 */
export function createIdempotencyStore(options: { ttlMs?: number; now?: () => number } = {}): IdempotencyStore {
  const ttlMs = options.ttlMs ?? 86_400_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  // Entries sit in insertion order, which is nearly storage order: stop at the first one still fresh.
  function sweep(): void {
    const cutoff = now() - ttlMs;
    for (const [key, entry] of entries) {
      if (entry.answer === undefined) continue;
      if (entry.storedAt > cutoff) break;
      entries.delete(key);
    }
  }

  return {
    begin(key, fingerprint) {
      sweep();
      const existing = entries.get(key);
      if (existing !== undefined) {
        if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (existing.answer === undefined) return { kind: 'pending', settled: existing.settled };
        return { kind: 'replay', answer: existing.answer };
      }
      let settle = (): void => undefined;
      const settled = new Promise<void>((resolve) => {
        settle = resolve;
      });
      const entry: Entry = { fingerprint, storedAt: now(), answer: undefined, settled, settle };
      entries.set(key, entry);
      return {
        kind: 'new',
        complete(answer) {
          entry.answer = answer;
          entry.storedAt = now();
          entry.settle();
        },
        release() {
          if (entries.get(key) === entry) entries.delete(key);
          entry.settle();
        },
      };
    },
    clear() {
      for (const entry of entries.values()) entry.settle();
      entries.clear();
    },
  };
}

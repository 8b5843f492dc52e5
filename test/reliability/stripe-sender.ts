import type { Endpoint } from '@pipeline/broker';
import { serializeEvent, signPayload } from '@pipeline/stripe-events';
import { sleep } from '@pipeline/testkit';
import { createDeliveryLedger, isSuccess, type AttemptResult, type DeliveryLedger } from './delivery-ledger.ts';
import type { Delivery } from './workload.ts';

export interface StripeSenderOptions {
  /** The ingest's base URL, read before every attempt (it may move when the ingest restarts). */
  readonly baseUrl: () => string;
  readonly secrets: Readonly<Record<Endpoint, string>>;
  /** New deliveries started per second; resends come on top. */
  readonly ratePerSecond: number;
  /** How long an attempt may take before it counts as failed; default 4000 ms (Stripe's is longer). */
  readonly requestTimeoutMs?: number;
  /** Wait before the n-th resend of one delivery; the last one repeats. Default 200 ms growing to 4 s. */
  readonly backoffMs?: readonly number[];
}

export interface SendingRun {
  /** Resolves once every delivery made its first attempt. */
  readonly started: Promise<void>;
  /** Resolves once every delivery got a 2xx, or was given up. */
  readonly settled: Promise<void>;
  /** Deliveries still waiting for a 2xx. */
  readonly pending: number;
  /** Stops resending: deliveries without a 2xx stay unacknowledged in the ledger. */
  giveUp(): void;
}

export interface StripeSender {
  readonly ledger: DeliveryLedger;
  /** Sends `deliveries` in order at the configured rate, each resent until it gets a 2xx. */
  send(deliveries: readonly Delivery[]): SendingRun;
}

// Far shorter than Stripe's hours, but not a storm: hundreds of deliveries wait through an outage.
const defaultBackoffMs = [200, 500, 1_000, 2_000, 4_000];

/**
 * A sender that behaves like Stripe's webhook delivery: each event is POSTed with a fresh
 * `Stripe-Signature` over the same bytes, and every attempt that does not end with a 2xx
 * (an error status, a refused or reset connection, a timeout) is tried again after a short
 * backoff, until it gets one. Every attempt goes in the ledger.
 */
export function createStripeSender(options: StripeSenderOptions): StripeSender {
  const ledger = createDeliveryLedger();
  const timeoutMs = options.requestTimeoutMs ?? 4_000;
  const backoffMs = options.backoffMs ?? defaultBackoffMs;

  async function attempt(eventId: string, endpoint: Endpoint, body: string): Promise<AttemptResult> {
    const startedAt = Date.now();
    let result: AttemptResult;
    try {
      const response = await fetch(`${options.baseUrl()}/webhooks/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(body, options.secrets[endpoint]) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read the body so the connection goes back to the pool.
      await response.arrayBuffer();
      result = { kind: 'status', status: response.status };
    } catch (err: unknown) {
      result = classifyFailure(err);
    }
    ledger.record({ eventId, startedAt, endedAt: Date.now(), result });
    return result;
  }

  return {
    ledger,
    send(deliveries) {
      // An object, not a `let`: the flag is flipped by giveUp() while the loops await.
      const state = { stopped: false };
      let pending = deliveries.length;
      let wakeAll: () => void = () => undefined;
      const givenUp = new Promise<void>((resolve) => {
        wakeAll = resolve;
      });

      async function deliver(delivery: Delivery): Promise<void> {
        const { event, endpoint } = delivery;
        ledger.open(event.id, event.type, endpoint);
        const body = serializeEvent(event);
        for (let resend = 0; !state.stopped; resend += 1) {
          if (isSuccess(await attempt(event.id, endpoint, body))) break;
          const wait = backoffMs[Math.min(resend, backoffMs.length - 1)] ?? 1_000;
          // Jitter, so resends after an outage do not all arrive in the same millisecond.
          await Promise.race([sleep(wait * (0.75 + Math.random() * 0.5)), givenUp]);
        }
        pending -= 1;
      }

      const tasks: Array<Promise<void>> = [];
      const started = (async () => {
        const begin = Date.now();
        for (const [index, delivery] of deliveries.entries()) {
          if (state.stopped) break;
          const due = begin + (index * 1_000) / options.ratePerSecond;
          if (due > Date.now()) await sleep(due - Date.now());
          tasks.push(deliver(delivery));
        }
      })();
      const settled = started.then(async () => {
        await Promise.all(tasks);
      });
      return {
        started,
        settled,
        get pending() {
          return pending;
        },
        giveUp() {
          state.stopped = true;
          wakeAll();
        },
      };
    },
  };
}

function classifyFailure(err: unknown): AttemptResult {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return { kind: 'timeout' };
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.message : String(err);
  return { kind: 'connection', code };
}

import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createLatencyRecorder } from './latency-recorder.ts';
import type { HttpLoadResult } from './http-load-result.ts';
import type { SignedDelivery } from './payload-pool.ts';

/** One answered request of a paced run, for callers that follow each event further. */
export interface PacedAnswer {
  readonly index: number;
  readonly status: number;
  /** Wall-clock time (ms since the epoch, sub-millisecond precision) the request was handed to the socket pool. */
  readonly sentAtMs: number;
  /** Wall-clock time the whole answer had arrived. */
  readonly answeredAtMs: number;
}

export interface PacedLoadOptions {
  readonly url: string;
  /** Requests per second, spread evenly over each second. */
  readonly ratePerS: number;
  readonly durationS: number;
  /** The delivery for the `index`-th request. */
  readonly delivery: (index: number) => SignedDelivery;
  /** Called for every answer (any status). */
  readonly onAnswer?: (answer: PacedAnswer) => void;
  /** Most sockets open at once; default 256. */
  readonly maxSockets?: number;
}

/** Wall-clock milliseconds with the monotonic clock's precision. */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

/**
 * An open-loop load: request i is sent at start + i/rate whatever the earlier answers did,
 * so a slow server meets the same arrivals a steady stream of Stripe events would bring.
 * (autocannon's rate limit sends each connection's quota for the second back to back,
 * which measures a burst, not a rate.) Latency runs from the request's send to its answer.
 */
export async function runPacedLoad(options: PacedLoadOptions): Promise<HttpLoadResult> {
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const latencies = createLatencyRecorder();
  const total = Math.round(options.ratePerS * options.durationS);
  const counts = { ok: 0, non2xx: 0, errors: 0, pending: 0 };
  let sent = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  function send(index: number): void {
    const delivery = options.delivery(index);
    const sentAtMs = wallClockMs();
    counts.pending += 1;
    let settled = false;
    const finish = (status: number): void => {
      if (settled) return;
      settled = true;
      const answeredAtMs = wallClockMs();
      counts.pending -= 1;
      if (status >= 200 && status < 300) {
        counts.ok += 1;
        latencies.record(answeredAtMs - sentAtMs);
      } else if (status === 0) counts.errors += 1;
      else counts.non2xx += 1;
      options.onAnswer?.({ index, status, sentAtMs, answeredAtMs });
      if (sent === total && counts.pending === 0) resolveDone();
    };
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(delivery.body), 'stripe-signature': delivery.signature },
        timeout: 10_000,
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          finish(response.statusCode ?? 0);
        });
        response.on('error', () => {
          finish(0);
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('request timed out')));
    request.on('error', () => {
      finish(0);
    });
    request.end(delivery.body);
  }

  const startedAt = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * options.ratePerS) + 1);
      while (sent < due) {
        send(sent);
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  if (counts.pending > 0) await done;
  const durationS = (performance.now() - startedAt) / 1000;
  agent.destroy();
  return {
    kind: 'fixed-rate',
    offeredRatePerS: options.ratePerS,
    durationS,
    ok: counts.ok,
    okPerS: counts.ok / durationS,
    non2xx: counts.non2xx,
    errors: counts.errors,
    latency: latencies.summary(),
  };
}

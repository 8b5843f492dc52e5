import autocannon from 'autocannon';
import { createLatencyRecorder } from './latency-recorder.ts';
import type { HttpLoadResult } from './http-load-result.ts';
import type { SignedDelivery } from './payload-pool.ts';

export interface SaturationLoadOptions {
  /** e.g. `http://127.0.0.1:3000/webhooks/platform`. */
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** The next delivery to post; called once per request. */
  readonly next: () => SignedDelivery;
}

/**
 * Posts signed webhooks with autocannon over `connections` keep-alive connections, each
 * sending its next request as soon as the previous answer arrives: the server's throughput
 * at saturation. Latencies are taken from autocannon's per-response events at full
 * precision (its own histogram rounds to whole milliseconds).
 */
export function runSaturationLoad(options: SaturationLoadOptions): Promise<HttpLoadResult> {
  const url = new URL(options.url);
  const latencies = createLatencyRecorder();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: url.origin,
        connections: options.connections,
        duration: options.durationS,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: url.pathname,
            setupRequest: (request) => {
              const delivery = options.next();
              return {
                ...request,
                headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
                body: delivery.body,
              };
            },
          },
        ],
      },
      (err, result) => {
        if (err) {
          reject(new Error(`autocannon failed against ${options.url}`, { cause: err }));
          return;
        }
        const ok = result['2xx'];
        resolve({
          kind: 'saturation',
          connections: options.connections,
          durationS: result.duration,
          ok,
          okPerS: ok / result.duration,
          non2xx: result.non2xx,
          errors: result.errors,
          latency: latencies.summary(),
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.record(responseTimeMs);
    });
  });
}

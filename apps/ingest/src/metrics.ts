import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Publisher } from '@pipeline/broker';
import type { Admission } from './admission.ts';

/** What became of a webhook request; the `outcome` label of `ingest_webhook_requests_total`. */
export type WebhookOutcome =
  /** Published and confirmed by the broker: 200. */
  | 'published'
  /** Verified but not published because of the deployment's STRIPE_LIVEMODE: 200. */
  | 'ignored'
  /** Refused as sent (signature, body, endpoint...): 400 and other 4xx. */
  | 'rejected'
  /** The client's address is not in WEBHOOK_IP_ALLOWLIST: 403. */
  | 'forbidden'
  /** Larger than BODY_LIMIT_BYTES: 413. */
  | 'too_large'
  /** The broker did not take the event (down, blocked, no confirm in time), or a cap was reached: 503, Stripe retries. */
  | 'unavailable'
  /** A bug: 500. */
  | 'failed'
  /** The client left, or was cut off by the request timeout, before it was answered. */
  | 'aborted';

export interface IngestMetrics {
  registry: Registry;
  /** Webhook requests by endpoint, outcome and reason (an error code such as `signature_mismatch`, `livemode` or `BROKER_UNAVAILABLE`; `none` when all went well). */
  requests: Counter<'endpoint' | 'outcome' | 'reason'>;
  /** Time from publish to the broker's confirm or failure, by result (`confirmed` or a PublishError code). */
  publishDuration: Histogram<'result'>;
}

/**
 * The ingest's metrics on a registry of its own (so several apps can live in one test
 * process), with gauges that read the publisher's state when scraped.
 */
export function createIngestMetrics(publisher: Pick<Publisher, 'ready' | 'inFlight'>): IngestMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'ingest_webhook_requests_total',
    help: 'Webhook requests by endpoint, outcome and reason',
    labelNames: ['endpoint', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  const publishDuration = new Histogram({
    name: 'ingest_publish_duration_seconds',
    help: 'Time from publish to broker confirm',
    labelNames: ['result'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'ingest_broker_ready',
    help: '1 while the broker connection and confirm channel are usable',
    registers: [registry],
    collect() {
      this.set(publisher.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ingest_publishes_in_flight',
    help: 'Publishes waiting for the broker confirm',
    registers: [registry],
    collect() {
      this.set(publisher.inFlight);
    },
  });
  return { registry, requests, publishDuration };
}

/**
 * Gauges that read the admission caps' counts when scraped: open connections and the body
 * bytes reserved by webhooks being read or published.
 */
export function registerAdmissionGauges(registry: Registry, admission: Pick<Admission, 'openConnections' | 'reservedBytes'>): void {
  new Gauge({
    name: 'ingest_open_connections',
    help: 'Connections open on the webhook port (MAX_CONNECTIONS caps them)',
    registers: [registry],
    collect() {
      this.set(admission.openConnections);
    },
  });
  new Gauge({
    name: 'ingest_unverified_body_bytes',
    help: 'Body bytes reserved by webhooks in flight (MAX_UNVERIFIED_BODY_BYTES caps them)',
    registers: [registry],
    collect() {
      this.set(admission.reservedBytes);
    },
  });
}

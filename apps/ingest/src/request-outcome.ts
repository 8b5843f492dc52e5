import type { FastifyRequest } from 'fastify';
import type { Endpoint } from '@pipeline/broker';
import type { WebhookOutcome } from './metrics.ts';

/** What the routes, the handler and the error handler learnt about a request, for its one log line and its metrics. */
export interface RequestNote {
  /** Set by the webhook routes only: the other routes are not counted as webhooks. */
  readonly endpoint?: Endpoint;
  readonly outcome?: WebhookOutcome;
  /** A stable code (`signature_mismatch`, `livemode`, `BROKER_UNAVAILABLE`...). */
  readonly reason?: string;
  /** The verified event, for the request's line (ids only, never the body). */
  readonly event?: { readonly eventId: string; readonly eventType: string; readonly account: string | undefined };
  /** The error behind a 503 or 500, logged with the request's line. */
  readonly err?: unknown;
  /** Its line is written: a request aborted and then answered is logged once. */
  readonly logged?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * What is known about this request so far (null: nothing yet); see {@link RequestNote}.
     * Declared with decorateRequest by buildIngestApp, so every request keeps one shape.
     */
    requestNote: RequestNote | null;
  }
}

/** Adds to what is known about `request`; later fields replace earlier ones. */
export function noteRequest(request: FastifyRequest, note: RequestNote): void {
  request.requestNote = { ...request.requestNote, ...note };
}

/** Everything noted about `request` so far. */
export function noteOf(request: FastifyRequest): RequestNote {
  return request.requestNote ?? {};
}

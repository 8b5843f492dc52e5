import type { FastifyReply, FastifyRequest } from 'fastify';
import { describeError, PipelineError } from '@pipeline/core';
import type { IngestMetrics, WebhookOutcome } from './metrics.ts';
import { noteOf, noteRequest } from './request-outcome.ts';

/** The outcome of a webhook request nobody noted (e.g. refused by Fastify before any hook of ours). */
function outcomeFromStatus(status: number): WebhookOutcome {
  if (status === 413) return 'too_large';
  if (status === 403) return 'forbidden';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'failed';
  return 'rejected';
}

/**
 * A refusal (4xx, or a 503 while the broker is away) is expected and can come by the
 * thousand during a resend storm: its code and message say all, without a stack. Only an
 * unexpected failure (500) is logged whole.
 */
function failureFields(err: unknown, status: number | undefined): Record<string, unknown> {
  if (status !== undefined && status >= 500 && status !== 503) return { err };
  return { error: { code: err instanceof PipelineError ? err.code : undefined, message: describeError(err) } };
}

/**
 * The hooks that write each request's one log line (Fastify's own request lines are off)
 * and count webhook outcomes: `onResponse` for an answered request, `onRequestAbort` for a
 * client that left first (or was cut off by the request timeout). A line carries the
 * request id, the endpoint and the event's ids (eventId, eventType, account), never headers
 * or the body. Probes and scrapes log at debug: they would drown the webhooks otherwise.
 */
export function createRequestLog(metrics: Pick<IngestMetrics, 'requests'>) {
  function write(request: FastifyRequest, status: number | undefined, responseTimeMs?: number): void {
    const note = noteOf(request);
    if (note.logged === true) return;
    noteRequest(request, { logged: true });
    const line = {
      method: request.method,
      path: request.url.split('?', 1)[0],
      statusCode: status,
      ...(responseTimeMs === undefined ? {} : { responseTime: Math.round(responseTimeMs * 10) / 10 }),
      ...(note.err === undefined ? {} : failureFields(note.err, status)),
    };
    if (note.endpoint === undefined) {
      // A 503 from /readyz is news the probe already reports; only a failure is an error.
      if (status !== undefined && status >= 500 && status !== 503) request.log.error(line, 'request handled');
      else request.log.debug(line, 'request handled');
      return;
    }
    const outcome = status === undefined ? 'aborted' : (note.outcome ?? outcomeFromStatus(status));
    const reason = status === undefined ? 'client_gone' : (note.reason ?? 'none');
    metrics.requests.inc({ endpoint: note.endpoint, outcome, reason });
    const webhookLine = { ...line, endpoint: note.endpoint, ...note.event, outcome, reason, ip: request.ip };
    if (status !== undefined && status >= 500 && status !== 503) request.log.error(webhookLine, 'webhook handled');
    else if (status === undefined || status >= 400) request.log.warn(webhookLine, 'webhook handled');
    else request.log.info(webhookLine, 'webhook handled');
  }

  return {
    onResponse: (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      write(request, reply.statusCode, reply.elapsedTime);
      done();
    },
    onRequestAbort: (request: FastifyRequest, done: () => void): void => {
      write(request, undefined);
      done();
    },
  };
}

import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PublishError, RejectedRequestError } from '@pipeline/core';
import { noteRequest } from './request-outcome.ts';

export interface ErrorHandlerOptions {
  /** Seconds Stripe is told to wait before retrying after a 503 (RETRY_AFTER_S). */
  readonly retryAfterS: number;
  /** The body limit, named in the 413 answer (BODY_LIMIT_BYTES). */
  readonly bodyLimitBytes: number;
}

/** Reason codes for the Fastify errors a client can cause; others are named after their status. */
const fastifyReasons: Record<string, string> = {
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content_length_mismatch',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'bad_url',
};

/** What a thrown value may carry: Fastify's errors have both, a stray one may have neither. */
type HandledError = Error & { code?: unknown; statusCode?: unknown };

function reasonOf(code: string | undefined, status: number): string {
  const known = code === undefined ? undefined : fastifyReasons[code];
  return known ?? (STATUS_CODES[status] ?? 'client error').toLowerCase().replaceAll(/[^a-z]+/g, '_');
}

/**
 * The ingest's one error handler: a refused request is 400 with its code, a body over the
 * limit 413, a publish the broker did not take 503 with `Retry-After` (Stripe retries; nothing
 * is lost), other client errors keep their status, anything else is 500 `{ error: 'internal' }`.
 * Answers carry a code and a short message, never a stack, a secret, a signature or the body.
 */
export function createErrorHandler(options: ErrorHandlerOptions) {
  return function handleError(error: HandledError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (error instanceof RejectedRequestError) {
      noteRequest(request, { outcome: 'rejected', reason: error.code });
      return reply.code(400).send({ error: error.code, message: error.message });
    }
    if (error instanceof PublishError) {
      noteRequest(request, { outcome: 'unavailable', reason: error.code, err: error });
      return reply
        .code(503)
        .header('retry-after', String(options.retryAfterS))
        .send({ error: error.code, message: error.message });
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status === 413) {
      noteRequest(request, { outcome: 'too_large', reason: 'body_too_large' });
      return reply.code(413).send({ error: 'body_too_large', message: `the body is larger than ${options.bodyLimitBytes} bytes` });
    }
    if (status >= 400 && status < 500) {
      const code = typeof error.code === 'string' ? error.code : undefined;
      const reason = reasonOf(code, status);
      noteRequest(request, { outcome: 'rejected', reason });
      // Fastify's own messages are fixed sentences; anything else gets the status text only.
      const message = code?.startsWith('FST_') === true ? error.message : (STATUS_CODES[status] ?? 'client error');
      return reply.code(status).send({ error: reason, message });
    }
    noteRequest(request, { outcome: 'failed', reason: 'internal', err: error });
    return reply.code(500).send({ error: 'internal' });
  };
}

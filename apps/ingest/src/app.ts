import Fastify, { LogController } from 'fastify';
import type { Publisher } from '@pipeline/broker';
import type { Logger } from '@pipeline/core';
import { createAdmission, type Admission } from './admission.ts';
import type { IngestConfig } from './config.ts';
import { createErrorHandler } from './error-handler.ts';
import { registerAdmissionGauges, type IngestMetrics } from './metrics.ts';
import { probeRoutes } from './probe-routes.ts';
import { createRequestLog } from './request-log.ts';
import { webhookRoutes } from './webhook-routes.ts';

export interface IngestAppOptions {
  readonly config: IngestConfig;
  readonly publisher: Pick<Publisher, 'publishConfirmed' | 'ready'>;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  /** Default: caps from the configuration (MAX_CONNECTIONS, MAX_UNVERIFIED_BODY_BYTES). */
  readonly admission?: Admission;
}

/**
 * Idle keep-alive connections are kept a little longer than the 60 s most load balancers
 * keep theirs, so the balancer always closes first and never sends on a closing socket.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Builds the ingest's Fastify instance, routes and hooks included, without listening.
 * `GET /metrics` is not among its routes: it is served by the metrics app on a port of its own.
 */
export function buildIngestApp(options: IngestAppOptions) {
  const { config, publisher, metrics } = options;
  const admission =
    options.admission ??
    createAdmission({
      maxConnections: config.MAX_CONNECTIONS,
      maxUnverifiedBytes: config.MAX_UNVERIFIED_BODY_BYTES,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
    });
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeoutMs = Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS);
  const app = Fastify({
    loggerInstance: options.logger,
    // One line per request, written by the onResponse hook, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // The client address is the one this many proxies in front of us saw (0: the socket's).
    trustProxy: (_address: string, hop: number) => hop < config.TRUST_PROXY_HOPS,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // The whole request (headers and body) must arrive within REQUEST_TIMEOUT_MS: a client
    // that trickles its body gets a 408 and loses its connection.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // A socket may stay silent while its body arrives and its publish awaits a confirm; no longer.
    connectionTimeout: config.REQUEST_TIMEOUT_MS + config.PUBLISH_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    http: {
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      // A client trickling its headers (a slow-loris) gets a 408 and loses its connection.
      headersTimeout: headersTimeoutMs,
      // Node looks for expired requests every 30 s by default, far too late for a 10 s budget.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
    },
  });
  // The request's note (request-outcome.ts); null, not {}: Fastify refuses a shared object
  // as a request decorator's value.
  app.decorateRequest('requestNote', null);
  admission.watch(app.server);
  registerAdmissionGauges(metrics.registry, admission);
  app.setErrorHandler(createErrorHandler({ retryAfterS: config.RETRY_AFTER_S, bodyLimitBytes: config.BODY_LIMIT_BYTES }));
  const requestLog = createRequestLog(metrics);
  app.addHook('onResponse', requestLog.onResponse);
  app.addHook('onRequestAbort', requestLog.onRequestAbort);
  // Requests still running at shutdown are answered, then their keep-alive connections
  // closed: Fastify closes only the connections idle when close() starts, and a client
  // would otherwise hold the server open until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    // A connection beyond MAX_CONNECTIONS is answered once, then closed to make room.
    if (closing || admission.overCap(request.raw.socket)) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.register(webhookRoutes, { config, publisher, metrics, admission });
  app.register(probeRoutes, { publisher });
  return app;
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint, Publisher } from '@pipeline/broker';
import type { Admission } from './admission.ts';
import type { IngestConfig } from './config.ts';
import { createIpAllowlist } from './ip-allowlist.ts';
import type { IngestMetrics } from './metrics.ts';
import { createWebhookHandler } from './receive-webhook.ts';
import { noteRequest } from './request-outcome.ts';

export interface WebhookRoutesOptions {
  readonly config: IngestConfig;
  readonly publisher: Pick<Publisher, 'publishConfirmed'>;
  readonly metrics: IngestMetrics;
  readonly admission: Pick<Admission, 'admit'>;
}

const refusalMessages = {
  connection_limit: 'too many open connections; retry later',
  body_budget: 'too many request bodies are being read; retry later',
} as const;

const secretSetting = {
  platform: 'STRIPE_WEBHOOK_SECRET_PLATFORM',
  connect: 'STRIPE_WEBHOOK_SECRET_CONNECT',
} as const satisfies Record<Endpoint, keyof IngestConfig>;

/**
 * `POST /webhooks/platform` and `POST /webhooks/connect`, in a plugin of their own so that
 * their body parser (raw bytes, whatever the content type) applies to them and nothing else.
 */
export function webhookRoutes(app: FastifyInstance, options: WebhookRoutesOptions, done: (err?: Error) => void): void {
  const { config } = options;
  // The signature covers the exact bytes, so they are kept as sent. Any content type is
  // read: Stripe sends `application/json; charset=utf-8`, and a wrong type deserves the
  // signature's or the envelope's 400 rather than a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, parsed) => {
    parsed(null, body);
  });

  const allowed = config.WEBHOOK_IP_ALLOWLIST.length > 0 ? createIpAllowlist(config.WEBHOOK_IP_ALLOWLIST) : undefined;

  for (const endpoint of ['platform', 'connect'] as const) {
    app.post(
      `/webhooks/${endpoint}`,
      {
        bodyLimit: config.BODY_LIMIT_BYTES,
        // Before the body is read: a refused request costs no more than its headers.
        onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
          noteRequest(request, { endpoint });
          if (allowed !== undefined && !allowed(request.ip)) {
            noteRequest(request, { outcome: 'forbidden', reason: 'ip_not_allowed' });
            return reply.code(403).send({ error: 'ip_not_allowed', message: 'this address may not post webhooks' });
          }
          const refused = options.admission.admit(request.raw, reply.raw);
          if (refused === undefined) return undefined;
          noteRequest(request, { outcome: 'unavailable', reason: refused });
          // Closed, so the unread body is not read to keep the connection; Stripe retries a 503.
          return reply
            .code(503)
            .header('retry-after', String(config.RETRY_AFTER_S))
            .header('connection', 'close')
            .send({ error: refused, message: refusalMessages[refused] });
        },
      },
      createWebhookHandler({
        endpoint,
        secrets: config[secretSetting[endpoint]],
        toleranceS: config.STRIPE_WEBHOOK_TOLERANCE_S,
        livemode: config.STRIPE_LIVEMODE,
        publisher: options.publisher,
        metrics: options.metrics,
      }),
    );
  }
  done();
}

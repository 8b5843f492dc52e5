import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@pipeline/core';
import { createAccountStore } from './account-store.ts';
import { createCallLog } from './call-log.ts';
import { decodeForm } from './decode-form.ts';
import { createEventStore } from './event-store.ts';
import { createFaultInjector } from './fault-injector.ts';
import { createFundsStore } from './funds-store.ts';
import { createIdempotencyStore } from './idempotency-store.ts';
import { registerAccountRoutes } from './routes/accounts.ts';
import { registerControlRoutes } from './routes/control.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerInvoicePaymentRoutes } from './routes/invoice-payments.ts';
import { registerTransferRoutes } from './routes/transfers.ts';
import { installStripeApi } from './stripe-api.ts';
import { unrecognizedUrl } from './stripe-error.ts';
import { createTransferStore } from './transfer-store.ts';

export interface EmulatorAppOptions {
  /** The process logger, handed to Fastify; default none (no logs). */
  logger?: Logger | undefined;
  /** Clock in milliseconds, for `created` times, the call log and key expiry; default Date.now. */
  now?: () => number;
  /** How long an idempotency key's answer is kept; default 24 h, as Stripe does. */
  idempotencyTtlMs?: number;
}

/**
 * The Stripe API emulator as a Fastify instance that is not listening yet: Stripe's
 * `/v1` transfers, invoice payments, payment intents, events and accounts endpoints as the official SDK calls them, and the
 * `/_emulator` control API. All state lives in memory.
 */
export function buildEmulatorApp(options: EmulatorAppOptions = {}): FastifyInstance {
  const now = options.now ?? Date.now;
  // Typed as Fastify's base logger so the instance is a plain FastifyInstance for the route modules.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger;
  const app = Fastify({
    ...(loggerInstance === undefined ? {} : { loggerInstance }),
    // Stripe reads bracketed query strings (`created[gte]=1`, `types[0]=a`) as nested values.
    routerOptions: { querystringParser: decodeForm },
  });

  const closing = new AbortController();
  app.addHook('preClose', (done) => {
    closing.abort();
    done();
  });

  const state = {
    calls: createCallLog(now),
    faults: createFaultInjector(),
    idempotency: createIdempotencyStore({ now, ...(options.idempotencyTtlMs === undefined ? {} : { ttlMs: options.idempotencyTtlMs }) }),
    events: createEventStore(),
    accounts: createAccountStore(now),
    transfers: createTransferStore(now),
    funds: createFundsStore(now),
    now,
  };

  void app.register(
    (v1, _options, done) => {
      const route = installStripeApi(v1, { calls: state.calls, faults: state.faults, idempotency: state.idempotency, closing: closing.signal });
      registerTransferRoutes(v1, route, state.transfers, state.funds);
      registerInvoicePaymentRoutes(v1, route, state.funds);
      registerEventRoutes(v1, route, state.events);
      registerAccountRoutes(v1, route, state.accounts);
      v1.all(
        '/*',
        route(({ method, path }) => {
          throw unrecognizedUrl(method, path);
        }),
      );
      done();
    },
    { prefix: '/v1' },
  );

  // For orchestrators (the compose healthcheck); not logged, it is asked every few seconds.
  app.get('/healthz', { logLevel: 'silent' }, () => ({ status: 'ok' }));

  void app.register(
    (control, _options, done) => {
      registerControlRoutes(control, state);
      done();
    },
    { prefix: '/_emulator' },
  );

  return app;
}

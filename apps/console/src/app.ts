import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Pool } from '@pipeline/db';
import { bearerToken, operatorName, sessionCookie, sessionTtlMs, SessionStore, tokenMatches, type Operator } from './access.ts';
import type { BrokerAccess } from './broker-access.ts';
import { eventsRoutes } from './events-routes.ts';
import { html } from './html.ts';
import { page, type PageContext } from './layout.ts';
import { BadInput } from './parked-filter.ts';
import { parkedRoutes } from './parked-routes.ts';
import { systemRoutes, type ReadinessTargets } from './system-routes.ts';

export interface ConsoleAppOptions {
  readonly pool: Pool;
  readonly broker: BrokerAccess;
  /** CONSOLE_TOKEN; undefined only in read-only mode. */
  readonly token: string | undefined;
  readonly readOnly: boolean;
  readonly readiness: ReadinessTargets;
  readonly logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
  interface FastifyRequest {
    operator: Operator | undefined;
  }
}

const htmxScript = readFileSync(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));

/** Paths anyone may load: the login form, the script it needs, the liveness probe. */
const publicPaths = new Set(['/login', '/assets/htmx.min.js', '/healthz']);

/**
 * The console: server-rendered pages with htmx (served from node_modules, no CDN). Every
 * page needs a login (a session cookie after the login form, or `Authorization: Bearer`)
 * unless the console was started read-only without a token; every action (a POST) carries
 * a CSRF token (double submit, @fastify/csrf-protection) and is refused in read-only mode.
 */
export async function buildConsoleApp(options: ConsoleAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 1_048_576 });
  const sessions = new SessionStore();
  // Signs the session and CSRF cookies; new at every start, which ends the old sessions.
  await app.register(cookie, { secret: randomBytes(32).toString('hex') });
  await app.register(formbody);
  await app.register(csrf, { sessionPlugin: '@fastify/cookie', cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/' } });
  app.decorateRequest('operator', undefined);

  const context = (request: FastifyRequest, reply: FastifyReply): PageContext => ({
    actor: request.operator?.name,
    readOnly: options.readOnly,
    csrfToken: request.operator?.via === 'open' ? undefined : reply.generateCsrf(),
  });
  const loginPage = (reply: FastifyReply, reason: string | undefined): string =>
    page(
      'Log in',
      { actor: undefined, readOnly: options.readOnly, csrfToken: undefined },
      html`${reason === undefined ? '' : html`<p class="bad" role="alert">${reason}</p>`}
<form method="post" action="/login" class="filters">
<input type="hidden" name="_csrf" value="${reply.generateCsrf()}">
<label>Your name (for the audit)<input name="name" autocomplete="username"></label>
<label>Console token (CONSOLE_TOKEN)<input name="token" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>`,
    );
  const refuse = (request: FastifyRequest, reply: FastifyReply, reason: string): FastifyReply => {
    reply.code(401).header('www-authenticate', 'Bearer realm="console"');
    if ((request.headers.accept ?? '').includes('text/html')) return reply.type('text/html').send(loginPage(reply, reason));
    return reply.send({ error: 'unauthorized', reason });
  };

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (publicPaths.has(path)) return;
    const token = options.token;
    if (token === undefined) {
      request.operator = { name: 'anyone (read-only)', via: 'open' };
      return;
    }
    const bearer = bearerToken(request);
    if (bearer !== undefined) {
      if (!tokenMatches(bearer, token)) return refuse(request, reply, 'wrong token');
      request.operator = { name: operatorName(request.headers['x-console-operator'], 'bearer'), via: 'bearer' };
      return;
    }
    const signed = request.cookies[sessionCookie];
    const unsigned = signed === undefined ? undefined : request.unsignCookie(signed);
    const name = unsigned?.valid === true ? sessions.find(unsigned.value) : undefined;
    if (name === undefined) return refuse(request, reply, signed === undefined ? 'log in first' : 'your session has ended: log in again');
    request.operator = { name, via: 'session' };
  });

  /**
   * Every POST: a CSRF token that matches the signed cookie, except with a bearer token
   * (a browser never adds one on its own, so a forged cross-site form cannot carry it).
   */
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST' && options.readOnly && !['/login', '/logout'].includes(request.url)) {
      void reply.code(403).send({ error: 'read_only', reason: 'the console runs read-only (CONSOLE_READ_ONLY): no actions' });
      return;
    }
    if (request.method !== 'POST' || request.operator?.via === 'bearer') {
      done();
      return;
    }
    app.csrfProtection(request, reply, done);
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof BadInput) return reply.code(400).send({ error: 'bad_request', reason: error.message });
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return reply.code(403).send({ error: 'csrf', reason: 'missing or wrong CSRF token: reload the page and try again' });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'console request failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal' : 'bad_request', reason: status >= 500 ? 'the console failed; see its log' : error.message });
  });

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/assets/htmx.min.js', (_request, reply) => reply.type('text/javascript').header('cache-control', 'public, max-age=3600').send(htmxScript));

  app.get<{ Querystring: { reason?: string } }>('/login', (request, reply) => {
    if (options.token === undefined) return reply.redirect('/');
    return reply.type('text/html').send(loginPage(reply, request.query.reason));
  });
  app.post<{ Body: { token?: unknown; name?: unknown } | undefined }>('/login', (request, reply) => {
    if (options.token === undefined) return reply.redirect('/', 303);
    const presented = request.body?.token;
    if (typeof presented !== 'string' || !tokenMatches(presented, options.token)) {
      return reply.code(401).type('text/html').send(loginPage(reply, 'wrong token'));
    }
    const id = sessions.open(operatorName(request.body?.name, 'operator'));
    reply.setCookie(sessionCookie, id, { signed: true, httpOnly: true, sameSite: 'strict', path: '/', maxAge: sessionTtlMs / 1000 });
    return reply.redirect('/', 303);
  });
  app.post('/logout', (request, reply) => {
    const signed = request.cookies[sessionCookie];
    const unsigned = signed === undefined ? undefined : request.unsignCookie(signed);
    if (unsigned?.valid === true) sessions.close(unsigned.value);
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.redirect('/login', 303);
  });

  app.get('/', (_request, reply) => reply.redirect('/events'));
  await app.register(eventsRoutes, { pool: options.pool, context });
  await app.register(parkedRoutes, { pool: options.pool, broker: options.broker, readOnly: options.readOnly, context });
  await app.register(systemRoutes, { pool: options.pool, broker: options.broker, readiness: options.readiness, context });
  return app;
}

import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { declareTopology } from '@pipeline/broker';
import { buildEvent } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import { parkAsWorker } from '../../cli/test/park.ts';
import { buildConsoleApp } from '../src/app.ts';
import { createBrokerAccess } from '../src/broker-access.ts';
import { loadConsoleConfig } from '../src/config.ts';

// Access, CSRF, read-only mode and the parked-event actions over Fastify's inject, against
// the real database and broker. The browser's view of the same is apps/console/test/*.spec.ts.
const services = inject('services');
const token = 'console-test-token-not-a-secret';
let broker: TestBroker;
let db: TestDatabase;
let app: FastifyInstance;
let readOnlyApp: FastifyInstance;

beforeAll(async () => {
  [broker, db] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase)]);
  await declareTopology(broker.channel, broker.names);
  const common = { pool: db.pool, broker: createBrokerAccess(services.rabbitmqUrl, broker.prefix), readiness: { ingestUrl: undefined, workerUrls: [], retryDelaysMs: [5_000] } };
  app = await buildConsoleApp({ ...common, token, readOnly: false });
  readOnlyApp = await buildConsoleApp({ ...common, token: undefined, readOnly: true });
});

afterAll(async () => {
  await Promise.all([app.close(), readOnlyApp.close()]);
  await Promise.all([broker.cleanup(), db.drop()]);
});

beforeEach(async () => {
  await db.pool.query('DELETE FROM parked_events');
  await broker.channel.purgeQueue(broker.names.workQueue);
});

/** Logs in through the form (CSRF token and cookie from the login page); returns the cookies to send. */
async function login(name = 'alice'): Promise<string> {
  const form = await app.inject({ method: 'GET', url: '/login' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const csrfCookie = form.cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  const answer = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrf, token, name }).toString(),
  });
  expect(answer.statusCode).toBe(303);
  return [csrfCookie, ...answer.cookies.map((cookie) => `${cookie.name}=${cookie.value}`)].join('; ');
}

/** The CSRF token of a page's forms. */
function csrfOf(body: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(body);
  if (match?.[1] === undefined) throw new Error('no CSRF token on the page');
  return match[1];
}

async function parkedCount(): Promise<number> {
  const { rows } = await db.pool.query<{ count: string }>('SELECT count(*) FROM parked_events');
  return Number(rows[0]?.count);
}

describe('configuration', () => {
  it('refuses to start without CONSOLE_TOKEN unless read-only, naming the variable', () => {
    expect(() => loadConsoleConfig({})).toThrow(/CONSOLE_TOKEN is required/);
    expect(loadConsoleConfig({ CONSOLE_READ_ONLY: '1' })).toMatchObject({ CONSOLE_READ_ONLY: true, CONSOLE_PORT: 3100, CONSOLE_HOST: '127.0.0.1' });
    expect(() => loadConsoleConfig({ CONSOLE_TOKEN: 'short' })).toThrow(/CONSOLE_TOKEN must be at least 16 characters/);
    expect(() => loadConsoleConfig({ CONSOLE_TOKEN: token, CONSOLE_PORT: 'x' })).toThrow(/CONSOLE_PORT must be a port number/);
    expect(() => loadConsoleConfig({ CONSOLE_TOKEN: token, CONSOLE_WORKER_URLS: 'ftp://x' })).toThrow(/CONSOLE_WORKER_URLS must be a comma-separated list of http\(s\) URLs/);
  });
});

describe('access', () => {
  it('answers 401 without a login, with a wrong bearer token, and to a wrong token in the login form', async () => {
    expect((await app.inject({ method: 'GET', url: '/parked' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/parked', headers: { authorization: 'Bearer wrong-token-of-some-length' } })).statusCode).toBe(401);
    const browser = await app.inject({ method: 'GET', url: '/events', headers: { accept: 'text/html' } });
    expect(browser.statusCode).toBe(401);
    expect(browser.body).toContain('Console token');

    const form = await app.inject({ method: 'GET', url: '/login' });
    const wrong = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: form.cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfOf(form.body), token: 'not-the-token-at-all' }).toString(),
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('wrong token');
    expect(wrong.cookies.find((cookie) => cookie.name === 'console_session')).toBeUndefined();
  });

  it('lets in a session after the login form, and a bearer token', async () => {
    const cookie = await login();
    expect((await app.inject({ method: 'GET', url: '/parked', headers: { cookie } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/parked', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    // A forged or unsigned session cookie is not a session.
    expect((await app.inject({ method: 'GET', url: '/parked', headers: { cookie: 'console_session=forged' } })).statusCode).toBe(401);
  });

  it('refuses a form posted without the CSRF token, or with a wrong one, and changes nothing', async () => {
    await parkAsWorker(db.pool, buildEvent({ type: 'invoice.paid' }));
    const cookie = await login();
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie };
    const without = await app.inject({ method: 'POST', url: '/parked/run', headers: form, payload: 'action=purge&scope=matching&confirmed=1' });
    expect(without.statusCode).toBe(403);
    expect(without.json()).toMatchObject({ error: 'csrf' });
    const wrong = await app.inject({ method: 'POST', url: '/parked/run', headers: form, payload: 'action=purge&scope=matching&confirmed=1&_csrf=abc' });
    expect(wrong.statusCode).toBe(403);
    expect(await parkedCount()).toBe(1);
  });

  it('read-only without a token: pages open, no action buttons, every action refused', async () => {
    await parkAsWorker(db.pool, buildEvent({ type: 'invoice.paid' }));
    const list = await readOnlyApp.inject({ method: 'GET', url: '/parked' });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Read-only console');
    expect(list.body).not.toContain('Replay selected');
    const purge = await readOnlyApp.inject({ method: 'POST', url: '/parked/run', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'action=purge&scope=matching&confirmed=1' });
    expect(purge.statusCode).toBe(403);
    expect(purge.json()).toMatchObject({ error: 'read_only' });
    expect(await parkedCount()).toBe(1);
  });
});

describe('parked events', () => {
  it('lists with filters without changing anything, and answers a bad filter with 400 and a reason', async () => {
    await parkAsWorker(db.pool, buildEvent({ type: 'invoice.paid' }), { error: 'Stripe answered 500' });
    await parkAsWorker(db.pool, buildEvent({ type: 'account.updated', account: 'acct_1ConsoleHost' }), { error: 'database timeout' });
    const before = await db.pool.query('SELECT * FROM parked_events ORDER BY id');
    const bearer = { authorization: `Bearer ${token}` };

    const invoices = await app.inject({ method: 'GET', url: '/parked?type=invoice.*', headers: bearer });
    expect(invoices.body).toContain('1 parked event matches');
    expect(invoices.body).toContain('invoice.paid');
    expect(invoices.body).not.toContain('account.updated');
    const byError = await app.inject({ method: 'GET', url: '/parked?error=TIMEOUT', headers: bearer });
    expect(byError.body).toContain('acct_1ConsoleHost');
    const bad = await app.inject({ method: 'GET', url: '/parked?account=nope', headers: bearer });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ reason: expect.stringMatching(/^account must be a connected account id/) as unknown });

    expect((await db.pool.query('SELECT * FROM parked_events ORDER BY id')).rows).toEqual(before.rows);
  });

  it('replays a selection after a confirmation showing the count, and records who did it', async () => {
    const events = [buildEvent({ type: 'invoice.paid' }), buildEvent({ type: 'invoice.paid' }), buildEvent({ type: 'customer.subscription.updated' })];
    for (const event of events) await parkAsWorker(db.pool, event);
    const { rows } = await db.pool.query<{ id: string; event_id: string }>('SELECT id::text, event_id FROM parked_events ORDER BY id');
    const cookie = await login('bob');
    const page = await app.inject({ method: 'GET', url: '/parked', headers: { cookie } });
    const selected = rows.slice(0, 2).map((row) => row.id);
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie };

    const confirmation = await app.inject({
      method: 'POST',
      url: '/parked/confirm?action=replay&scope=selected',
      headers: form,
      payload: new URLSearchParams([['_csrf', csrfOf(page.body)], ...selected.map((id): [string, string] => ['ids', id])]).toString(),
    });
    expect(confirmation.statusCode).toBe(200);
    expect(confirmation.body).toContain('Replay 2 parked events back to the work queue?');
    expect(await parkedCount()).toBe(3);

    const run = await app.inject({
      method: 'POST',
      url: '/parked/run',
      headers: form,
      payload: new URLSearchParams([['_csrf', csrfOf(confirmation.body)], ['action', 'replay'], ['scope', 'selected'], ['confirmed', '2'], ...selected.map((id): [string, string] => ['ids', id])]).toString(),
    });
    expect(run.statusCode).toBe(200);
    expect(run.body).toContain('replayed 2 of 2 parked events');
    expect((await broker.channel.checkQueue(broker.names.workQueue)).messageCount).toBe(2);
    expect(await parkedCount()).toBe(1);
    const audit = await db.pool.query('SELECT actor, action, target, confirmed, done, error FROM console_actions ORDER BY id DESC LIMIT 1');
    expect(audit.rows[0]).toEqual({ actor: 'bob (session)', action: 'replay', target: { ids: selected }, confirmed: 2, done: 2, error: null });
  });

  it('purges everything matching a filter, no more than the confirmed count', async () => {
    for (let index = 0; index < 3; index += 1) await parkAsWorker(db.pool, buildEvent({ type: 'invoice.paid' }));
    await parkAsWorker(db.pool, buildEvent({ type: 'account.updated' }));
    const bearer = { authorization: `Bearer ${token}`, 'x-console-operator': 'carol', 'content-type': 'application/x-www-form-urlencoded' };

    const confirmation = await app.inject({ method: 'POST', url: '/parked/confirm', headers: bearer, payload: 'action=purge&scope=matching&type=invoice.*' });
    expect(confirmation.body).toContain('Purge 3 parked events for good?');
    const before = /name="before" value="([^"]+)"/.exec(confirmation.body)?.[1] ?? '';
    // An operator who agreed to 2 gets 2, whatever matches by then.
    const run = await app.inject({ method: 'POST', url: '/parked/run', headers: bearer, payload: `action=purge&scope=matching&type=invoice.*&before=${encodeURIComponent(before)}&confirmed=2` });
    expect(run.body).toContain('purged 2 of 2 parked events');
    const { rows } = await db.pool.query<{ type: string }>('SELECT type FROM parked_events ORDER BY type');
    expect(rows.map((row) => row.type)).toEqual(['account.updated', 'invoice.paid']);
    const audit = await db.pool.query('SELECT actor, action, target, confirmed, done FROM console_actions ORDER BY id DESC LIMIT 1');
    expect(audit.rows[0]).toMatchObject({ actor: 'carol (bearer)', action: 'purge', target: { filter: { type: 'invoice.*', before } }, confirmed: 2, done: 2 });
  });
});

describe('system', () => {
  it('shows the message and consumer counts of the work, retry and dead queues', async () => {
    broker.channel.sendToQueue(broker.names.workQueue, Buffer.from('{}'));
    const page = await app.inject({ method: 'GET', url: '/system', headers: { authorization: `Bearer ${token}` } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(new RegExp(`<td>${broker.names.workQueue.replace(/\./g, '\\.')}</td><td>work</td><td class="num">1</td><td class="num">0</td>`));
    expect(page.body).toContain(`<td>${broker.names.deadQueue}</td><td>dead</td>`);
    expect(page.body).toContain(`<td>${broker.names.retryQueue(5_000)}</td><td>retry (5000 ms)</td>`);
  });
});

describe('hosts', () => {
  it('shows onboarding state, the payout failure and the held transfers summed per currency', async () => {
    await db.pool.query(
      `INSERT INTO hosts (account_id, charges_enabled, payouts_enabled, details_submitted, requirements_due, payout_failure_code, payout_failed_at)
       VALUES ('acct_1ConsoleHeld', true, false, true, '{external_account}', 'account_closed', '2026-12-01T00:00:00Z')`,
    );
    for (const [invoice, amount] of [['in_console_1', 1_500], ['in_console_2', 2_500]] as const) {
      await db.pool.query(
        `INSERT INTO host_transfers (invoice_id, host_account_id, amount, currency, hours, status, idempotency_key) VALUES ($1, 'acct_1ConsoleHeld', $2, 'usd', 1, 'held', $1)`,
        [invoice, amount],
      );
    }
    const page = await app.inject({ method: 'GET', url: '/hosts', headers: { authorization: `Bearer ${token}` } });
    expect(page.statusCode).toBe(200);
    const row = /<tr><td>acct_1ConsoleHeld<\/td>[\s\S]*?<\/tr>/.exec(page.body)?.[0] ?? '';
    expect(row).toContain('<td>enabled</td><td>no</td><td>submitted</td>');
    expect(row).toContain('<td>external_account</td>');
    expect(row).toContain('account_closed at 2026-12-01T00:00:00.000Z');
    expect(row).toContain('<td class="num">2</td><td>40.00 USD</td>');
  });
});

import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { declareTopology, eventMessageProperties, routingKeyOf } from '@pipeline/broker';
import { buildEvent, serializeEvent, stripeId } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, repoRoot, startApp, startStripeEmulator, waitFor, type RunningProcess, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import type Stripe from 'stripe';
import { parkAsWorker } from '../../cli/test/park.ts';
import { buildConsoleApp } from '../src/app.ts';
import { createBrokerAccess } from '../src/broker-access.ts';

// The console in a real browser (headless Chromium, Debian's package, driven by
// playwright-core), against a real worker fed through the real broker, writing to the real
// database; Stripe is the emulator. Screenshots go to test-artifacts/console (gitignored).
const services = inject('services');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = `${repoRoot}/test-artifacts/console`;
const token = 'browser-test-token-not-a-secret';
const host = stripeId('acct', 16);
let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
let worker: RunningProcess;
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  [broker, db, emulator] = await Promise.all([
    createTestBroker(services.rabbitmqUrl),
    createTestDatabase(services.databaseUrl, services.templateDatabase),
    startStripeEmulator(),
  ]);
  await declareTopology(broker.channel, broker.names);
  await db.pool.query('INSERT INTO hosts (account_id, charges_enabled, payouts_enabled, details_submitted) VALUES ($1, true, true, true)', [host]);
  worker = startApp('apps/worker/src/main.ts', {
    RABBITMQ_URL: services.rabbitmqUrl,
    DATABASE_URL: db.url,
    TOPOLOGY_PREFIX: broker.prefix,
    STRIPE_SECRET_KEY: 'sk_test_fake_console_browser_key',
    STRIPE_API_BASE: emulator.url,
    STRIPE_MAX_NETWORK_RETRIES: '0',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  app = await buildConsoleApp({
    pool: db.pool,
    broker: createBrokerAccess(services.rabbitmqUrl, broker.prefix),
    token,
    readOnly: false,
    readiness: { ingestUrl: undefined, workerUrls: [], retryDelaysMs: [5_000] },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  await worker.waitForLog((line) => line.msg === 'consuming', 30_000);
});

afterAll(async () => {
  await browser.close();
  await app.close();
  await worker.stop();
  await Promise.all([broker.cleanup([300]), db.drop(), emulator.stop()]);
});

/** A paid invoice of a customer who booked `host` for 4 hours this month: one transfer to pay. */
async function bookedInvoice(): Promise<Stripe.Event> {
  const customer = stripeId('cus');
  await db.pool.query('INSERT INTO bookings (id, customer_id, host_account_id, hours, starts_at) VALUES ($1, $2, $3, 4, $4)', [`bk_${randomUUID()}`, customer, host, new Date(Date.now() - 3_600_000)]);
  const now = Math.floor(Date.now() / 1000);
  return buildEvent({ type: 'invoice.paid', object: { customer, amount_paid: 10_000, period_start: now - 30 * 86_400, period_end: now + 60 } });
}

/** Publishes an event the way the ingest does, confirmed. */
async function publishAsIngest(event: Stripe.Event): Promise<void> {
  const envelope = { id: event.id, type: event.type, endpoint: 'platform' as const, account: undefined, livemode: event.livemode };
  const channel = await broker.connection.createConfirmChannel();
  try {
    channel.publish(broker.names.exchange, routingKeyOf(envelope), Buffer.from(serializeEvent(event)), eventMessageProperties(envelope));
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
}

/** When the ledger first says `id` is processed (polled every 20 ms). */
async function processedAt(id: string): Promise<number> {
  return waitFor(
    async () => {
      const { rows } = await db.pool.query<{ outcome: string }>('SELECT outcome FROM stripe_events WHERE id = $1', [id]);
      return rows[0]?.outcome === 'processed' ? Date.now() : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 20, what: `${id} processed` },
  );
}

describe('the console in Chromium', () => {
  it('answers a wrong token with 401 and keeps the login form', async () => {
    const first = await page.goto(`${baseUrl}/events`);
    expect(first?.status()).toBe(401);
    await page.fill('input[name=token]', 'a-wrong-token-of-some-length');
    const [answer] = await Promise.all([page.waitForResponse((response) => response.url().endsWith('/login')), page.click('button[type=submit]')]);
    expect(answer.status()).toBe(401);
    await expect(page.getByRole('alert').textContent()).resolves.toBe('wrong token');
    await page.screenshot({ path: `${artifacts}/login-wrong-token.png` });
  });

  it('shows a triggered event in the live view within 2 s of the worker settling it, without reload', async () => {
    await page.fill('input[name=name]', 'dana');
    await page.fill('input[name=token]', token);
    await Promise.all([page.waitForURL(`${baseUrl}/events`), page.click('button[type=submit]')]);
    const event = await bookedInvoice();
    await publishAsIngest(event);
    const settled = await processedAt(event.id);
    await page.locator(`tr[data-event-id="${event.id}"]`).waitFor({ timeout: 5_000 });
    const shownAfterMs = Date.now() - settled;
    expect(shownAfterMs).toBeLessThanOrEqual(2_000);
    await expect(page.locator(`tr[data-event-id="${event.id}"] td.outcome-processed`).textContent()).resolves.toBe('processed');
    await page.screenshot({ path: `${artifacts}/live-events.png`, fullPage: true });

    await page.click(`a[href="/events/${event.id}"]`);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Event ${event.id}`);
    // The ledger row, and the one host transfer the invoice made.
    await expect(page.locator('#ledger td.outcome-processed').textContent()).resolves.toBe('processed');
    await expect(page.locator('#transfers tbody tr').count()).resolves.toBe(1);
    await expect(page.locator('#transfers tbody').textContent()).resolves.toContain(host);
    await page.screenshot({ path: `${artifacts}/event-page.png`, fullPage: true });
  });

  it('replays a parked event from the page, after a confirmation showing the count, and the worker processes it', async () => {
    const event = await bookedInvoice();
    await parkAsWorker(db.pool, event, { error: 'Stripe answered 500', attempts: 7 });
    await page.goto(`${baseUrl}/parked`);
    await page.screenshot({ path: `${artifacts}/parked.png`, fullPage: true });
    await page.check(`tr[data-event-id="${event.id}"] input[type=checkbox]`);
    await Promise.all([page.waitForURL(/\/parked\/confirm/), page.click('button:text("Replay selected")')]);
    await expect(page.locator('#confirm-count').textContent()).resolves.toBe('Replay 1 parked event back to the work queue?');
    await Promise.all([page.waitForURL(/\/parked\/run/), page.click('button:text("Yes, replay 1 parked event")')]);
    await expect(page.locator('#action-result').textContent()).resolves.toBe('replayed 1 of 1 parked event');
    await processedAt(event.id);
    const { rows } = await db.pool.query('SELECT actor, action, done FROM console_actions');
    expect(rows).toEqual([{ actor: 'dana (session)', action: 'replay', done: 1 }]);
    await page.goto(`${baseUrl}/actions`);
    await page.screenshot({ path: `${artifacts}/actions.png`, fullPage: true });
  });

  it('refuses a form posted from the page without its CSRF token', async () => {
    await page.goto(`${baseUrl}/parked`);
    const status = await page.evaluate(async () => {
      const response = await fetch('/parked/run', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=purge&scope=matching&confirmed=1' });
      return response.status;
    });
    expect(status).toBe(403);
  });
});

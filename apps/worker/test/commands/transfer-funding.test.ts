import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, TransientError } from '@pipeline/core';
import { createStripeClient } from '@pipeline/stripe-events';
import { startStripeEmulator, type StripeEmulator } from '@pipeline/testkit';
import { initiateFundsTransfer } from '../../src/commands/initiate-funds-transfer.ts';
import { updateHostOnboarding } from '../../src/commands/update-host-onboarding.ts';
import { startReleaseSweep, type ReleaseSweep } from '../../src/funds/release-sweep.ts';
import { accountUpdatedEvent, givenPaidInvoice, newHost, onboardedAccount } from './given.ts';
import { createCommandHarness, type CommandHarness } from './harness.ts';

let harness: CommandHarness;
let emulator: StripeEmulator;
let stripe: Stripe;
let sweep: ReleaseSweep;

beforeAll(async () => {
  [harness, emulator] = await Promise.all([createCommandHarness(), startStripeEmulator()]);
  // No SDK retries unless a test asks for them: each test decides what one failed call means.
  stripe = createStripeClient({ apiKey: 'sk_test_fake_funding', apiBase: emulator.url, maxNetworkRetries: 0 });
  sweep = testSweep();
});
/** A release sweep whose rounds the tests run themselves (runOnce): its timer never fires during a test. */
function testSweep(): ReleaseSweep {
  return startReleaseSweep({
    pool: harness.database.pool,
    stripe,
    logger: createLogger({ name: 'funding-tests', level: 'silent' }),
    intervalMs: 3_600_000,
    fundsRetryDelaysMs: [3_600_000],
    releaseRetryDelaysMs: [60_000],
  });
}
afterAll(async () => {
  await sweep.stop();
  await Promise.all([harness.close(), emulator.stop()]);
});
beforeEach(async () => {
  await emulator.clearFaults();
});
afterEach(async () => {
  await emulator.setAvailableBalance(null);
});

const now = Math.floor(Date.now() / 1000);
const periodStart = now - 30 * 86_400;
const periodEnd = now + 86_400;

function accountUpdated(host: string, payoutsEnabled: boolean, created: number): Stripe.Event {
  return accountUpdatedEvent(host, created, { ...onboardedAccount, payouts_enabled: payoutsEnabled });
}

/** A payable host, booked by a new customer; its basil-shaped `invoice.paid` (no `charge`, no `payments`). */
async function givenBookedInvoice(options: { host?: string; hours?: number } = {}): Promise<{ host: string; invoiceId: string; event: Stripe.Event }> {
  const host = options.host ?? newHost();
  if (options.host === undefined) await harness.run(updateHostOnboarding, accountUpdated(host, true, now - 600), { stripe });
  const { invoiceId, event } = await givenPaidInvoice(harness, {
    host,
    hours: options.hours ?? 2,
    bookedAt: new Date((now - 86_400) * 1000),
    period: { start: periodStart, end: periodEnd },
    created: now,
  });
  const invoice = event.data.object as { id: string; charge?: unknown; payments?: unknown };
  expect(invoice.charge).toBeUndefined();
  expect(invoice.payments).toBeUndefined();
  return { host, invoiceId, event };
}

interface Row extends Record<string, unknown> {
  status: string;
  hold_reason: string | null;
  key_generation: number;
  idempotency_key: string;
  source_transaction: string | null;
  stripe_transfer_id: string | null;
  attempts: number;
  last_error: string | null;
}

async function row(invoiceId: string, host: string): Promise<Row | undefined> {
  const rows = await harness.query<Row>(
    `SELECT status, hold_reason, key_generation, idempotency_key, source_transaction, stripe_transfer_id, attempts, last_error
       FROM host_transfers WHERE invoice_id = $1 AND host_account_id = $2`,
    [invoiceId, host],
  );
  return rows[0];
}

async function creates(invoiceId: string) {
  const calls = await emulator.calls({ path: '/v1/transfers' });
  return calls.filter((call) => call.method === 'POST' && call.params.transfer_group === invoiceId);
}

async function transfersMade(invoiceId: string): Promise<Stripe.Transfer[]> {
  return (await stripe.transfers.list({ transfer_group: invoiceId, limit: 100 })).data;
}

describe('the charge of a basil invoice', () => {
  it('is looked up through the invoice payments API and becomes the transfers source_transaction', async () => {
    const { host, invoiceId, event } = await givenBookedInvoice();
    await emulator.seedInvoices([{ id: invoiceId, amountPaid: 10_000 }]);
    const [payment] = (await stripe.invoicePayments.list({ invoice: invoiceId })).data;
    const charge = (await stripe.paymentIntents.retrieve(payment!.payment.payment_intent as string)).latest_charge;
    expect(charge).toMatch(/^ch_/);

    const lookupsBefore = (await emulator.calls({ path: '/v1/invoice_payments' })).length;
    const result = await harness.run(initiateFundsTransfer, event, { stripe });
    expect(result.effects).toMatchObject({ sourceTransaction: charge });
    expect((await creates(invoiceId)).map((call) => call.params.source_transaction)).toEqual([charge]);
    expect(await row(invoiceId, host)).toMatchObject({ status: 'paid', source_transaction: charge });
    expect((await emulator.calls({ path: '/v1/invoice_payments' })).slice(lookupsBefore).map((call) => call.params)).toEqual([{ invoice: invoiceId, status: 'paid', limit: '10' }]);
  });

  it('retries the event when Stripe cannot list the invoice payments', async () => {
    const { invoiceId, event } = await givenBookedInvoice();
    await emulator.injectFault({ status: 503, count: 1, path: '/v1/invoice_payments' });
    await expect(harness.run(initiateFundsTransfer, event, { stripe })).rejects.toBeInstanceOf(TransientError);
    expect(await creates(invoiceId)).toEqual([]);
  });
});

describe('balance_insufficient', () => {
  it('holds the transfer awaiting funds instead of failing the event, and the sweep pays it once the funds are there', async () => {
    const { host, invoiceId, event } = await givenBookedInvoice();
    await emulator.seedInvoices([{ id: invoiceId, paidBy: 'none' }]);
    await emulator.setAvailableBalance(0);

    const result = await harness.run(initiateFundsTransfer, event, { stripe });
    expect((result.effects as { transfers: unknown[] }).transfers).toEqual([{ hostAccountId: host, hours: '2.00', amount: 8_000, status: 'awaiting funds' }]);
    expect(await row(invoiceId, host)).toMatchObject({ status: 'held', hold_reason: 'awaiting_funds', attempts: 1, key_generation: 0, stripe_transfer_id: null });
    expect((await row(invoiceId, host))?.last_error).toContain('balance_insufficient');

    // Still short: the sweep tries again (generation 0's key replays the saved refusal, so
    // after a list generation 1 is asked and refused too) and records a second failure, due an hour later.
    await sweep.runOnce();
    expect(await row(invoiceId, host)).toMatchObject({ status: 'held', hold_reason: 'awaiting_funds', attempts: 2, key_generation: 1 });
    const [{ due }] = (await harness.query<{ due: boolean }>(
      `SELECT next_attempt_at > now() + interval '59 minutes' AS due FROM host_transfers WHERE invoice_id = $1`,
      [invoiceId],
    )) as [{ due: boolean }];
    expect(due).toBe(true);

    await emulator.setAvailableBalance(1_000_000);
    await harness.query(`UPDATE host_transfers SET next_attempt_at = now() WHERE invoice_id = $1`, [invoiceId]);
    await sweep.runOnce();
    const paid = await row(invoiceId, host);
    // Each refused key keeps Stripe's balance_insufficient for a day: the payment went out under a new one.
    expect(paid).toMatchObject({ status: 'paid', hold_reason: null, idempotency_key: `transfer:${invoiceId}:${host}:g2`, key_generation: 2 });
    const made = await transfersMade(invoiceId);
    expect(made.map((transfer) => transfer.id)).toEqual([paid?.stripe_transfer_id]);
  });
});

describe('idempotency-key generations', () => {
  it('after a 500 saved under the key, lists, finds nothing, and pays once under generation 1', async () => {
    const { host, invoiceId, event } = await givenBookedInvoice();
    const key = `transfer:${invoiceId}:${host}`;
    await emulator.injectFault({ status: 500, count: 1, path: '/v1/transfers', method: 'POST' });
    await expect(harness.run(initiateFundsTransfer, event, { stripe })).rejects.toBeInstanceOf(TransientError);

    // Stripe replays the 500 for this key for 24 hours: a fixed key would fail every retry.
    await harness.run(initiateFundsTransfer, event, { stripe });
    expect((await creates(invoiceId)).map((call) => [call.idempotencyKey, call.status, call.replayed])).toEqual([
      [key, 500, false],
      [key, 500, true],
      [`${key}:g1`, 200, false],
    ]);
    const made = await transfersMade(invoiceId);
    expect(made).toHaveLength(1);
    expect(await row(invoiceId, host)).toMatchObject({ status: 'paid', key_generation: 1, idempotency_key: `${key}:g1`, stripe_transfer_id: made[0]!.id });
  });

  it('does not pay twice when Stripe made the transfer and saved a 500 under the key', async () => {
    const { host, invoiceId, event } = await givenBookedInvoice();
    const retrying = createStripeClient({ apiKey: 'sk_test_fake_funding', apiBase: emulator.url, maxNetworkRetries: 1 });
    await emulator.injectFault({ status: 500, count: 1, path: '/v1/transfers', method: 'POST', afterEffect: true, saved: true });

    // The SDK's retry gets the saved 500 back; the list then finds the transfer the first request made.
    await harness.run(initiateFundsTransfer, event, { stripe: retrying });
    const made = await transfersMade(invoiceId);
    expect(made).toHaveLength(1);
    expect((await creates(invoiceId)).map((call) => call.idempotencyKey)).toEqual([`transfer:${invoiceId}:${host}`, `transfer:${invoiceId}:${host}`]);
    expect(await row(invoiceId, host)).toMatchObject({ status: 'paid', stripe_transfer_id: made[0]!.id, key_generation: 1 });
  });

  it('does not count a fully reversed transfer found by the list as paid', async () => {
    const { host, invoiceId, event } = await givenBookedInvoice();
    const earlier = await stripe.transfers.create(
      { amount: 8_000, currency: 'usd', destination: host, transfer_group: invoiceId, metadata: { invoice_id: invoiceId, host_account_id: host } },
      { idempotencyKey: 'an-earlier-attempt' },
    );
    await stripe.transfers.createReversal(earlier.id);

    await harness.run(initiateFundsTransfer, event, { stripe });
    const paid = await row(invoiceId, host);
    expect(paid?.status).toBe('paid');
    expect(paid?.stripe_transfer_id).not.toBe(earlier.id);
    const live = (await transfersMade(invoiceId)).filter((transfer) => !transfer.reversed);
    expect(live.map((transfer) => transfer.id)).toEqual([paid?.stripe_transfer_id]);
  });

  it('moves past a key whose saved transfer was reversed since', async () => {
    const { host, invoiceId, event } = await givenBookedInvoice();
    const key = `transfer:${invoiceId}:${host}`;
    // A first attempt paid under generation 0, then rolled back; an operator reversed that transfer.
    await harness.runAndRollBack(initiateFundsTransfer, event, { stripe });
    const [first] = await transfersMade(invoiceId);
    await stripe.transfers.createReversal(first!.id);

    await harness.run(initiateFundsTransfer, event, { stripe });
    const paid = await row(invoiceId, host);
    expect(paid).toMatchObject({ status: 'paid', key_generation: 1, idempotency_key: `${key}:g1` });
    expect(paid?.stripe_transfer_id).not.toBe(first!.id);
  });
});

describe('releasing held transfers on account.updated', () => {
  it('commits the host and the other releases when one fails, and the sweep releases that one later', async () => {
    const host = newHost();
    await harness.run(updateHostOnboarding, accountUpdated(host, false, now - 900), { stripe });
    const invoices: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { invoiceId, event } = await givenBookedInvoice({ host });
      // The second invoice was paid out of band: its transfer draws on the (empty) balance.
      await emulator.seedInvoices([{ id: invoiceId, ...(i === 1 ? { paidBy: 'none' as const } : {}) }]);
      await harness.run(initiateFundsTransfer, event, { stripe });
      invoices.push(invoiceId);
    }
    for (const invoiceId of invoices) expect(await row(invoiceId, host)).toMatchObject({ status: 'held', hold_reason: 'payouts_disabled' });
    await emulator.setAvailableBalance(0);

    const result = await harness.run(updateHostOnboarding, accountUpdated(host, true, now - 300), { stripe });
    const [hostRow] = await harness.query<{ payouts_enabled: boolean }>('SELECT payouts_enabled FROM hosts WHERE account_id = $1', [host]);
    expect(hostRow?.payouts_enabled).toBe(true);
    const [first, second, third] = invoices as [string, string, string];
    expect(await row(first, host)).toMatchObject({ status: 'paid' });
    expect(await row(second, host)).toMatchObject({ status: 'held', hold_reason: 'awaiting_funds', attempts: 1, stripe_transfer_id: null });
    expect(await row(third, host)).toMatchObject({ status: 'paid' });
    expect(result.effects).toMatchObject({
      released: [{ invoiceId: first }, { invoiceId: third }],
      failedReleases: [{ invoiceId: second, reason: 'awaiting_funds' }],
    });

    await emulator.setAvailableBalance(1_000_000);
    await sweep.runOnce();
    expect(await row(second, host)).toMatchObject({ status: 'paid', key_generation: 1 });
    for (const invoiceId of invoices) expect(await transfersMade(invoiceId)).toHaveLength(1);
  });

  it('lets two sweeping replicas release each due transfer once', async () => {
    const host = newHost();
    await harness.run(updateHostOnboarding, accountUpdated(host, true, now - 900), { stripe });
    const invoices: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const { invoiceId, event } = await givenBookedInvoice({ host });
      await emulator.seedInvoices([{ id: invoiceId, paidBy: 'none' }]);
      await emulator.setAvailableBalance(0);
      await harness.run(initiateFundsTransfer, event, { stripe });
      invoices.push(invoiceId);
    }
    await emulator.setAvailableBalance(1_000_000);
    const other = testSweep();
    try {
      // A replica that meets the host lock taken by the other leaves that host for its next round: run until both are idle.
      for (let round = 0; round < 10; round += 1) {
        const [a, b] = await Promise.all([sweep.runOnce(), other.runOnce()]);
        if (a + b === 0) break;
      }
    } finally {
      await other.stop();
    }
    for (const invoiceId of invoices) {
      expect(await row(invoiceId, host)).toMatchObject({ status: 'paid' });
      expect(await transfersMade(invoiceId)).toHaveLength(1);
    }
  });
});

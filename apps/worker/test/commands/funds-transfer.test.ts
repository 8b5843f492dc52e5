import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '@pipeline/core';
import { buildEvent, createStripeClient, stripeId } from '@pipeline/stripe-events';
import { startStripeEmulator, type StripeEmulator } from '@pipeline/testkit';
import { initiateFundsTransfer } from '../../src/commands/initiate-funds-transfer.ts';
import { updateHostOnboarding } from '../../src/commands/update-host-onboarding.ts';
import { deauthorizeHost } from '../../src/commands/deauthorize-host.ts';
import { givenBooking, givenOnboardedHost, invoicePaidEvent, newHost } from './given.ts';
import { createCommandHarness, type CommandHarness } from './harness.ts';

let harness: CommandHarness;
let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  [harness, emulator] = await Promise.all([createCommandHarness(), startStripeEmulator()]);
  // No SDK retries: each test decides what one failed call means.
  stripe = createStripeClient({ apiKey: 'sk_test_fake_commands', apiBase: emulator.url, maxNetworkRetries: 0 });
});
afterAll(async () => {
  await Promise.all([harness.close(), emulator.stop()]);
});
beforeEach(async () => {
  await emulator.clearFaults();
});

const periodStart = 1_780_000_000;
const periodEnd = periodStart + 30 * 86_400;
const at = (offsetHours: number): Date => new Date((periodStart + offsetHours * 3_600) * 1000);

/** `customer` booked `host` for `hours` from `startsAt`. */
const givenBooked = (customer: string, host: string, hours: number | string, startsAt: Date): Promise<void> => givenBooking(harness, customer, host, hours, startsAt);

/** The host as `account.updated` at `created` leaves it: payouts enabled or not. */
const givenHost = (host: string, payoutsEnabled: boolean, created = periodEnd): Promise<void> => givenOnboardedHost(harness, host, { payoutsEnabled, created, stripe });

/** The customer's invoice of the period paid, with a charge (pre-basil shape) unless `object` says otherwise. */
function invoicePaid(customer: string, object: Record<string, unknown> = {}): Stripe.Event {
  return invoicePaidEvent(customer, { start: periodStart, end: periodEnd }, periodEnd + 60, { charge: stripeId('ch'), ...object });
}

const invoiceOf = (event: Stripe.Event): Stripe.Invoice & { charge: string } => event.data.object as Stripe.Invoice & { charge: string };

interface TransferRow extends Record<string, unknown> {
  host_account_id: string;
  amount: number;
  currency: string;
  hours: string;
  status: string;
  idempotency_key: string;
  source_transaction: string | null;
  stripe_transfer_id: string | null;
}

async function transferRows(invoiceId: string): Promise<TransferRow[]> {
  return harness.query<TransferRow>(
    `SELECT host_account_id, amount::int, currency, hours::text, status, idempotency_key, source_transaction, stripe_transfer_id
       FROM host_transfers WHERE invoice_id = $1 ORDER BY host_account_id`,
    [invoiceId],
  );
}

async function transferCalls(invoiceId: string) {
  const calls = await emulator.calls({ path: '/v1/transfers' });
  return calls.filter((call) => call.method === 'POST' && call.params.transfer_group === invoiceId);
}

describe('InitiateFundsTransfer', () => {
  it('pays each host its share of the amount paid less the fee, pro rata to hours, one transfer each', async () => {
    const customer = stripeId('cus');
    const [a, b, c] = [newHost(), newHost(), newHost()].sort();
    for (const host of [a!, b!, c!]) await givenHost(host, true);
    await givenBooked(customer, a!, 2, at(1));
    await givenBooked(customer, a!, '1.00', at(50));
    await givenBooked(customer, b!, 1.5, at(0)); // the first instant of the period counts
    await givenBooked(customer, c!, 0.5, at(24 * 30 - 1));
    await givenBooked(customer, c!, 8, new Date(periodEnd * 1000)); // the period's end is outside it
    await givenBooked(customer, b!, 8, at(-1)); // before the period
    await givenBooked(stripeId('cus'), a!, 8, at(2)); // another customer's booking

    const event = invoicePaid(customer);
    const invoice = invoiceOf(event);
    const result = await harness.run(initiateFundsTransfer, event, { stripe });

    // 10000 paid, 20% fee = 2000, 8000 over 3 + 1.5 + 0.5 = 5 hours.
    const rows = await transferRows(invoice.id);
    expect(rows.map(({ stripe_transfer_id: _, ...row }) => row)).toEqual([
      { host_account_id: a, amount: 4_800, currency: 'usd', hours: '3.00', status: 'paid', idempotency_key: `transfer:${invoice.id}:${a}`, source_transaction: invoice.charge },
      { host_account_id: b, amount: 2_400, currency: 'usd', hours: '1.50', status: 'paid', idempotency_key: `transfer:${invoice.id}:${b}`, source_transaction: invoice.charge },
      { host_account_id: c, amount: 800, currency: 'usd', hours: '0.50', status: 'paid', idempotency_key: `transfer:${invoice.id}:${c}`, source_transaction: invoice.charge },
    ]);

    const calls = await transferCalls(invoice.id);
    expect(calls).toHaveLength(3);
    for (const row of rows) {
      const host = row.host_account_id;
      const call = calls.find((candidate) => candidate.params.destination === host);
      expect(call).toMatchObject({
        idempotencyKey: `transfer:${invoice.id}:${host}`,
        account: null,
        status: 200,
        params: {
          amount: String(row.amount),
          currency: 'usd',
          destination: host,
          transfer_group: invoice.id,
          source_transaction: invoice.charge,
          metadata: { invoice_id: invoice.id, host_account_id: host },
        },
      });
      expect(row.stripe_transfer_id).toMatch(/^tr_/);
    }
    expect(result).toMatchObject({
      outcome: 'processed',
      effects: { invoiceId: invoice.id, amountPaid: 10_000, feePercent: 20, fee: 2_000, transferable: 8_000, sourceTransaction: invoice.charge },
    });
    expect((result.effects as { transfers: unknown[] }).transfers).toEqual(
      rows.map((row) => ({ hostAccountId: row.host_account_id, hours: row.hours, amount: row.amount, status: 'paid', transferId: row.stripe_transfer_id })),
    );
  });

  it('splits in whole cents that sum exactly to the amount less the fee', async () => {
    const customer = stripeId('cus');
    const hosts = [newHost(), newHost(), newHost()].sort();
    for (const host of hosts) {
      await givenHost(host, true);
      await givenBooked(customer, host, 1, at(5));
    }
    const event = invoicePaid(customer, { amount_paid: 9_999 });
    const result = await harness.run(initiateFundsTransfer, event, { stripe, platformFeePercent: 12.5 });
    // fee 1249.875 -> 1250; 8749 over three equal hosts: 2917, 2916, 2916 (the odd cent to the lowest id).
    expect(result.effects).toMatchObject({ fee: 1_250, transferable: 8_749 });
    expect((await transferRows(invoiceOf(event).id)).map((row) => row.amount)).toEqual([2_917, 2_916, 2_916]);
  });

  it('holds the share of a host without payouts or unknown, blocks a deauthorized one, pays only the able', async () => {
    const customer = stripeId('cus');
    const [able, unknown, onboarding, gone] = [newHost(), newHost(), newHost(), newHost()];
    await givenHost(able, true);
    await givenHost(onboarding, false);
    await givenHost(gone, true);
    await harness.run(deauthorizeHost, buildEvent({ type: 'account.application.deauthorized', account: gone, created: periodEnd }));
    for (const host of [able, unknown, onboarding, gone]) await givenBooked(customer, host, 2, at(3));

    const event = invoicePaid(customer);
    const invoice = invoiceOf(event);
    await harness.run(initiateFundsTransfer, event, { stripe });

    const rows = await transferRows(invoice.id);
    const status = Object.fromEntries(rows.map((row) => [row.host_account_id, [row.status, row.amount, row.stripe_transfer_id !== null]]));
    expect(status).toEqual({
      [able]: ['paid', 2_000, true],
      [unknown]: ['held', 2_000, false],
      [onboarding]: ['held', 2_000, false],
      [gone]: ['blocked', 2_000, false],
    });
    const paid = await stripe.transfers.list({ transfer_group: invoice.id });
    expect(paid.data.map((transfer) => [transfer.destination, transfer.id])).toEqual([[able, rows.find((row) => row.host_account_id === able)?.stripe_transfer_id]]);
    expect((await transferCalls(invoice.id)).map((call) => call.params.destination)).toEqual([able]);
  });

  it('records no transfer when the customer booked nothing in the period', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenBooked(customer, host, 4, at(-10));
    const event = invoicePaid(customer);
    const result = await harness.run(initiateFundsTransfer, event, { stripe });
    expect(result).toMatchObject({ outcome: 'processed', effects: { fee: 2_000, transferable: 8_000, transfers: [] } });
    expect(await transferRows(invoiceOf(event).id)).toEqual([]);
    expect(await transferCalls(invoiceOf(event).id)).toEqual([]);
  });

  it('takes the charge from the expanded paid invoice payments, or from their PaymentIntent', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, true);
    await givenBooked(customer, host, 1, at(1));
    const charge = stripeId('ch');
    const payments = {
      object: 'list',
      has_more: false,
      data: [
        { id: stripeId('inpay'), object: 'invoice_payment', status: 'canceled', payment: { type: 'charge', charge: stripeId('ch') } },
        { id: stripeId('inpay'), object: 'invoice_payment', status: 'paid', payment: { type: 'charge', charge } },
      ],
    };
    const withPayments = invoicePaid(customer, { charge: undefined, payments });
    await harness.run(initiateFundsTransfer, withPayments, { stripe });
    expect((await transferCalls(invoiceOf(withPayments).id))[0]?.params.source_transaction).toBe(charge);

    // An expanded payment made through a PaymentIntent: its latest_charge, asked of Stripe.
    const paidInvoice = stripeId('in');
    await emulator.seedInvoices([{ id: paidInvoice }]);
    const [listed] = (await stripe.invoicePayments.list({ invoice: paidInvoice })).data;
    const intent = listed!.payment.payment_intent as string;
    const latestCharge = (await stripe.paymentIntents.retrieve(intent)).latest_charge;
    const viaPaymentIntent = { ...payments, data: [{ id: stripeId('inpay'), object: 'invoice_payment', status: 'paid', payment: { type: 'payment_intent', payment_intent: intent } }] };
    const withIntent = invoicePaid(customer, { id: paidInvoice, charge: undefined, payments: viaPaymentIntent });
    await harness.run(initiateFundsTransfer, withIntent, { stripe });
    expect((await transferCalls(paidInvoice))[0]?.params.source_transaction).toBe(latestCharge);
  });

  it('pays once when run again after a rollback: the retry finds the transfer and creates none', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, true);
    await givenBooked(customer, host, 2, at(1));
    const event = invoicePaid(customer);
    const invoice = invoiceOf(event);

    const first = await harness.runAndRollBack(initiateFundsTransfer, event, { stripe });
    expect(await transferRows(invoice.id)).toEqual([]); // as after a failed commit
    const second = await harness.run(initiateFundsTransfer, event, { stripe });

    const calls = await transferCalls(invoice.id);
    expect(calls.map((call) => [call.idempotencyKey, call.replayed])).toEqual([[`transfer:${invoice.id}:${host}`, false]]);
    const transfers = await stripe.transfers.list({ transfer_group: invoice.id });
    expect(transfers.data).toHaveLength(1);
    const transferId = transfers.data[0]!.id;
    expect((first.effects as { transfers: Array<{ transferId: string }> }).transfers[0]?.transferId).toBe(transferId);
    expect((second.effects as { transfers: Array<{ transferId: string }> }).transfers[0]?.transferId).toBe(transferId);
    expect((await transferRows(invoice.id))[0]).toMatchObject({ status: 'paid', stripe_transfer_id: transferId });
  });

  it('pays once when Stripe made the transfer but its answer was lost', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, true);
    await givenBooked(customer, host, 2, at(1));
    const event = invoicePaid(customer);
    const invoice = invoiceOf(event);
    // The lookup misses (the transfer does not exist yet), the create is carried out and its answer lost.
    await emulator.injectFault({ status: 500, count: 1, path: '/v1/transfers', method: 'POST', afterEffect: true });
    await expect(harness.run(initiateFundsTransfer, event, { stripe })).rejects.toBeInstanceOf(TransientError);

    await harness.run(initiateFundsTransfer, event, { stripe });
    const transfers = await stripe.transfers.list({ transfer_group: invoice.id });
    expect(transfers.data).toHaveLength(1);
    expect((await transferRows(invoice.id))[0]).toMatchObject({ status: 'paid', stripe_transfer_id: transfers.data[0]!.id });
  });

  it('makes the SDK retry of a lost answer an idempotent replay of the same key', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, true);
    await givenBooked(customer, host, 2, at(1));
    const event = invoicePaid(customer);
    const invoice = invoiceOf(event);
    const retrying = createStripeClient({ apiKey: 'sk_test_fake_commands', apiBase: emulator.url, maxNetworkRetries: 1 });
    await emulator.injectFault({ status: 500, count: 1, path: '/v1/transfers', method: 'POST', afterEffect: true });

    await harness.run(initiateFundsTransfer, event, { stripe: retrying });
    const calls = await transferCalls(invoice.id);
    expect(calls.map((call) => [call.idempotencyKey, call.status, call.replayed])).toEqual([
      [`transfer:${invoice.id}:${host}`, 500, false],
      [`transfer:${invoice.id}:${host}`, 200, true],
    ]);
    const transfers = await stripe.transfers.list({ transfer_group: invoice.id });
    expect(transfers.data).toHaveLength(1);
    expect((await transferRows(invoice.id))[0]).toMatchObject({ status: 'paid', stripe_transfer_id: transfers.data[0]!.id });
  });

  it('records a transfer Stripe made before it forgot the idempotency key instead of paying again', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, true);
    await givenBooked(customer, host, 2, at(1));
    const event = invoicePaid(customer);
    const invoice = invoiceOf(event);
    // As if a parked event were replayed days after a first attempt paid this host: the key has expired.
    const earlier = await stripe.transfers.create(
      { amount: 8_000, currency: 'usd', destination: host, transfer_group: invoice.id, metadata: { invoice_id: invoice.id, host_account_id: host } },
      { idempotencyKey: 'an-expired-key' },
    );

    await harness.run(initiateFundsTransfer, event, { stripe });
    expect((await transferCalls(invoice.id)).map((call) => call.idempotencyKey)).toEqual(['an-expired-key']);
    expect((await transferRows(invoice.id))[0]).toMatchObject({ status: 'paid', stripe_transfer_id: earlier.id });
  });

  it('leaves a host already recorded for the invoice as it is', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenBooked(customer, host, 2, at(1));
    const event = invoicePaid(customer);
    await harness.run(initiateFundsTransfer, event, { stripe });
    const again = buildEvent({ type: 'invoice.paid', created: periodEnd + 120, object: invoiceOf(event) as unknown as Record<string, unknown> });
    const result = await harness.run(initiateFundsTransfer, again, { stripe });
    expect((result.effects as { transfers: Array<{ status: string }> }).transfers).toEqual([{ hostAccountId: host, hours: '2.00', amount: 8_000, status: 'already recorded' }]);
    expect(await transferRows(invoiceOf(event).id)).toHaveLength(1);
  });

  it.each([
    [500, 'TransientError', TransientError],
    [503, 'TransientError', TransientError],
    [429, 'TransientError', TransientError],
    [400, 'PermanentError', PermanentError],
  ] as const)('throws a %s from Stripe as a %s and commits nothing', async (status, _name, errorClass) => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, true);
    await givenBooked(customer, host, 2, at(1));
    const event = invoicePaid(customer);
    await emulator.injectFault({ status, count: 1, path: '/v1/transfers', method: 'POST' });

    const failure = harness.run(initiateFundsTransfer, event, { stripe });
    await expect(failure).rejects.toBeInstanceOf(errorClass);
    await expect(failure).rejects.toThrow(`transfer transfer:${invoiceOf(event).id}:${host} failed`);
    expect(await transferRows(invoiceOf(event).id)).toEqual([]);
  });

  it('never puts the API key in the message of a refused key', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, true);
    await givenBooked(customer, host, 2, at(1));
    await emulator.injectFault({ status: 401, count: 1, path: '/v1/transfers', method: 'POST' });
    const failure = harness.run(initiateFundsTransfer, invoicePaid(customer), { stripe });
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.not.toThrow(/sk_test/);
  });

  it('retries when Stripe cannot list the invoice transfers', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, true);
    await givenBooked(customer, host, 2, at(1));
    await emulator.injectFault({ status: 503, count: 1, path: '/v1/transfers', method: 'GET' });
    await expect(harness.run(initiateFundsTransfer, invoicePaid(customer), { stripe })).rejects.toBeInstanceOf(TransientError);
  });

  it.each(['customer', 'amount_paid', 'period_start'])('refuses for good an invoice without %s, naming it', async (field) => {
    const failure = harness.run(initiateFundsTransfer, invoicePaid(stripeId('cus'), { [field]: undefined }), { stripe });
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(`data.object.${field}`);
  });
});

describe('UpdateHostOnboarding releasing held transfers', () => {
  it('pays the held transfers once payouts are enabled, with the key recorded when they were held', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, false, periodStart);
    await givenBooked(customer, host, 2, at(1));
    const event = invoicePaid(customer);
    const invoice = invoiceOf(event);
    await harness.run(initiateFundsTransfer, event, { stripe });
    expect((await transferRows(invoice.id))[0]).toMatchObject({ status: 'held' });

    await givenHost(host, false, periodEnd + 100);
    expect((await transferRows(invoice.id))[0]).toMatchObject({ status: 'held' });
    expect(await transferCalls(invoice.id)).toEqual([]);

    const enabled = buildEvent({
      type: 'account.updated',
      account: host,
      created: periodEnd + 200,
      object: { charges_enabled: true, payouts_enabled: true, details_submitted: true, requirements: { currently_due: [], past_due: [] } },
    });
    const result = await harness.run(updateHostOnboarding, enabled, { stripe });

    const calls = await transferCalls(invoice.id);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      idempotencyKey: `transfer:${invoice.id}:${host}`,
      params: { amount: '8000', destination: host, transfer_group: invoice.id, source_transaction: invoice.charge },
    });
    const [row] = await transferRows(invoice.id);
    expect(row?.status).toBe('paid');
    expect(row?.stripe_transfer_id).toMatch(/^tr_/);
    expect(result.effects).toMatchObject({ released: [{ invoiceId: invoice.id, amount: 8_000, transferId: row?.stripe_transfer_id }] });

    // A later update pays nothing again.
    await givenHost(host, true, periodEnd + 300);
    expect(await transferCalls(invoice.id)).toHaveLength(1);
  });

  it('does not release on a stale update, even one with payouts enabled', async () => {
    const customer = stripeId('cus');
    const host = newHost();
    await givenHost(host, false, periodEnd + 500);
    await givenBooked(customer, host, 2, at(1));
    const event = invoicePaid(customer);
    await harness.run(initiateFundsTransfer, event, { stripe });
    await givenHost(host, true, periodEnd);
    expect((await transferRows(invoiceOf(event).id))[0]).toMatchObject({ status: 'held' });
    expect(await transferCalls(invoiceOf(event).id)).toEqual([]);
  });

  it('never leaves a transfer held when payouts are enabled while the invoice is being paid', async () => {
    const pairs = Array.from({ length: 4 }, () => ({ customer: stripeId('cus'), host: newHost() }));
    for (const { customer, host } of pairs) await givenBooked(customer, host, 1, at(1));
    const events = pairs.map(({ customer }) => invoicePaid(customer));
    await Promise.all(pairs.flatMap(({ host }, i) => [harness.run(initiateFundsTransfer, events[i]!, { stripe }), givenHost(host, true)]));
    for (const event of events) expect((await transferRows(invoiceOf(event).id))[0]).toMatchObject({ status: 'paid' });
  });
});

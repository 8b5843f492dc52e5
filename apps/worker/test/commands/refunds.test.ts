import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '@pipeline/core';
import { buildEvent, createStripeClient, stripeId } from '@pipeline/stripe-events';
import { startStripeEmulator, type StripeEmulator } from '@pipeline/testkit';
import { cancelHeldTransfers } from '../../src/commands/cancel-held-transfers.ts';
import { initiateFundsTransfer } from '../../src/commands/initiate-funds-transfer.ts';
import { recordDispute } from '../../src/commands/record-dispute.ts';
import { reverseRefundedCharge } from '../../src/commands/reverse-refunded-charge.ts';
import { givenBooking, givenOnboardedHost, invoicePaidEvent, newHost } from './given.ts';
import { createCommandHarness, type CommandHarness } from './harness.ts';

let harness: CommandHarness;
let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  [harness, emulator] = await Promise.all([createCommandHarness(), startStripeEmulator()]);
  // No SDK retries: each test decides what one failed call means.
  stripe = createStripeClient({ apiKey: 'sk_test_fake_refunds', apiBase: emulator.url, maxNetworkRetries: 0 });
});
afterAll(async () => {
  await Promise.all([harness.close(), emulator.stop()]);
});
beforeEach(async () => {
  await emulator.clearFaults();
});

const periodStart = 1_780_000_000;
const periodEnd = periodStart + 30 * 86_400;

interface PaidCharge {
  readonly hosts: string[];
  readonly charge: string;
  readonly invoiceId: string;
  readonly invoicePaid: Stripe.Event;
}

/**
 * Three hosts booked 1 hour each by a new customer, and the `invoice.paid` of 100.00 USD
 * paid by a new charge (fee 20%: the hosts share 80.00, 26.67 / 26.67 / 26.66). The hosts'
 * payouts are enabled unless `payoutsEnabled` is false. The command is not run.
 */
async function givenInvoiceOfThreeHosts(options: { payoutsEnabled?: boolean } = {}): Promise<PaidCharge> {
  const customer = stripeId('cus');
  const hosts = [newHost(), newHost(), newHost()].sort();
  for (const host of hosts) {
    await givenOnboardedHost(harness, host, { payoutsEnabled: options.payoutsEnabled ?? true, created: periodEnd, stripe });
    await givenBooking(harness, customer, host, 1, new Date((periodStart + 3_600) * 1000));
  }
  const charge = stripeId('ch');
  const invoicePaid = invoicePaidEvent(customer, { start: periodStart, end: periodEnd }, periodEnd + 60, { charge });
  return { hosts, charge, invoiceId: (invoicePaid.data.object as { id: string }).id, invoicePaid };
}

/** `charge.refunded` of a 100.00 USD charge whose refunds add up to `amountRefunded` so far. */
function chargeRefunded(charge: string, amountRefunded: number): Stripe.Event {
  return buildEvent({ type: 'charge.refunded', created: periodEnd + 600, object: { id: charge, amount: 10_000, amount_refunded: amountRefunded, currency: 'usd', refunded: amountRefunded === 10_000 } });
}

interface TransferRow extends Record<string, unknown> {
  host_account_id: string;
  amount: number;
  reversed_amount: number;
  status: string;
  stripe_transfer_id: string | null;
  reversal_key_generation: number;
}

async function transferRows(invoiceId: string): Promise<TransferRow[]> {
  return harness.query<TransferRow>(
    `SELECT host_account_id, amount::int, reversed_amount::int, status, stripe_transfer_id, reversal_key_generation
       FROM host_transfers WHERE invoice_id = $1 ORDER BY host_account_id`,
    [invoiceId],
  );
}

async function reversalRows(invoiceId: string): Promise<Array<{ host_account_id: string; kind: string; amount: number; reason: string; stripe_reversal_id: string | null; event_id: string }>> {
  return harness.query(
    'SELECT host_account_id, kind, amount::int, reason, stripe_reversal_id, event_id FROM transfer_reversals WHERE invoice_id = $1 ORDER BY id',
    [invoiceId],
  );
}

async function reversalPosts(transferIds: readonly string[]) {
  const calls = await emulator.calls({});
  return calls.filter((call) => call.method === 'POST' && transferIds.some((id) => call.path === `/v1/transfers/${id}/reversals`));
}

/** What Stripe says each transfer had reversed, by host. */
async function stripeReversed(rows: readonly TransferRow[]): Promise<number[]> {
  return Promise.all(rows.map(async (row) => (await stripe.transfers.retrieve(row.stripe_transfer_id ?? '')).amount_reversed));
}

describe('ReverseRefundedCharge', () => {
  it.each([
    ['in order', [3_000, 7_000, 10_000]],
    ['out of order', [7_000, 3_000, 10_000]],
    ['full first, then the partial ones late', [10_000, 3_000, 7_000]],
    ['duplicated and out of order', [7_000, 7_000, 3_000, 10_000, 3_000, 10_000]],
  ])('takes back every host transfer exactly once as partial refunds add up to a full one (%s)', async (_order, amounts) => {
    const paid = await givenInvoiceOfThreeHosts();
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    const before = await transferRows(paid.invoiceId);
    expect(before.map((row) => [row.amount, row.status])).toEqual([[2_667, 'paid'], [2_667, 'paid'], [2_666, 'paid']]);

    // Each host's share of the refunded total, over 26.67 / 26.67 / 26.66 and the platform's 20.00
    // (largest remainder): 30.00 -> 8.001 / 8.001 / 7.998 / 6.00; 70.00 -> 18.669 / 18.669 / 18.662 / 14.00.
    const expected = new Map([
      [3_000, [800, 800, 800]],
      [7_000, [1_867, 1_867, 1_866]],
      [10_000, [2_667, 2_667, 2_666]],
    ]);
    let highest = 0;
    for (const amountRefunded of amounts) {
      await harness.run(reverseRefundedCharge, chargeRefunded(paid.charge, amountRefunded), { stripe });
      // Never by deltas: after each event every host has given back its share of the highest total seen.
      highest = Math.max(highest, amountRefunded);
      const rows = await transferRows(paid.invoiceId);
      expect(rows.map((row) => row.reversed_amount), `after ${amountRefunded}`).toEqual(expected.get(highest));
      expect(await stripeReversed(rows), `at Stripe after ${amountRefunded}`).toEqual(expected.get(highest));
    }

    const after = await transferRows(paid.invoiceId);
    expect(after.map((row) => row.reversed_amount)).toEqual([2_667, 2_667, 2_666]);
    expect(await stripeReversed(after)).toEqual([2_667, 2_667, 2_666]);
    const reversals = await reversalRows(paid.invoiceId);
    expect(reversals.every((reversal) => reversal.kind === 'reversal' && reversal.reason === 'refunded')).toBe(true);
    expect(reversals.reduce((sum, reversal) => sum + reversal.amount, 0)).toBe(8_000);
    // One reversal per host per distinct cumulative total reached while something was left.
    const posts = await reversalPosts(after.map((row) => row.stripe_transfer_id ?? ''));
    expect(posts.every((call) => call.status === 200)).toBe(true);
    expect(posts).toHaveLength(reversals.length);
  });

  it('splits a partial refund over hosts and platform in proportion, in whole cents summing exactly', async () => {
    const paid = await givenInvoiceOfThreeHosts();
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    // 33.33 of 100.00 back, split over 26.67 / 26.67 / 26.66 and the platform's 20.00: exactly
    // 8.889.. / 8.889.. / 8.885.. / 6.666; floors 888 / 888 / 888 / 666, the 3 cents left to the
    // largest remainders (both 26.67 hosts, then the platform).
    const result = await harness.run(reverseRefundedCharge, chargeRefunded(paid.charge, 3_333), { stripe });
    const rows = await transferRows(paid.invoiceId);
    expect(rows.map((row) => row.reversed_amount)).toEqual([889, 889, 888]);
    expect(await stripeReversed(rows)).toEqual([889, 889, 888]);
    expect((result.effects as { reversals: Array<{ kind: string; amount: number }> }).reversals.map((r) => [r.kind, r.amount])).toEqual([
      ['reversal', 889],
      ['reversal', 889],
      ['reversal', 888],
    ]);
  });

  it('makes no Stripe call for a duplicated event', async () => {
    const paid = await givenInvoiceOfThreeHosts();
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    const event = chargeRefunded(paid.charge, 5_000);
    await harness.run(reverseRefundedCharge, event, { stripe });
    const rows = await transferRows(paid.invoiceId);
    const postsBefore = await reversalPosts(rows.map((row) => row.stripe_transfer_id ?? ''));
    await harness.run(reverseRefundedCharge, event, { stripe });
    expect(await reversalPosts(rows.map((row) => row.stripe_transfer_id ?? ''))).toHaveLength(postsBefore.length);
    expect((await transferRows(paid.invoiceId)).map((row) => row.reversed_amount)).toEqual([1_334, 1_333, 1_333]);
  });

  it('keeps the reversal key across a retry after a rollback, and finds the reversal instead of making another', async () => {
    const paid = await givenInvoiceOfThreeHosts();
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    const rows = await transferRows(paid.invoiceId);
    const event = chargeRefunded(paid.charge, 10_000);
    await harness.runAndRollBack(reverseRefundedCharge, event, { stripe });
    expect(await reversalRows(paid.invoiceId)).toEqual([]);
    await harness.run(reverseRefundedCharge, event, { stripe });

    const posts = await reversalPosts(rows.map((row) => row.stripe_transfer_id ?? ''));
    expect(posts.map((call) => call.idempotencyKey)).toEqual(rows.map((row) => `reversal:${paid.charge}:${row.host_account_id}:${row.amount}`));
    expect(await stripeReversed(rows)).toEqual([2_667, 2_667, 2_666]);
    expect((await reversalRows(paid.invoiceId)).map((reversal) => reversal.amount)).toEqual([2_667, 2_667, 2_666]);
  });

  it('moves to a new reversal key after Stripe replays a saved 500 under the first', async () => {
    const paid = await givenInvoiceOfThreeHosts();
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    const [first] = await transferRows(paid.invoiceId);
    const transferId = first!.stripe_transfer_id ?? '';
    // Stripe keeps a 500 under its key for 24 hours (saved: the default for a 5xx).
    await emulator.injectFault({ status: 500, count: 1, path: `/v1/transfers/${transferId}/reversals`, method: 'POST' });
    const event = chargeRefunded(paid.charge, 10_000);
    await expect(harness.run(reverseRefundedCharge, event, { stripe })).rejects.toBeInstanceOf(TransientError);
    await harness.run(reverseRefundedCharge, event, { stripe });

    const key = `reversal:${paid.charge}:${first!.host_account_id}:2667`;
    const posts = await reversalPosts([transferId]);
    expect(posts.map((call) => [call.idempotencyKey, call.status, call.replayed])).toEqual([
      [key, 500, false],
      [key, 500, true],
      [`${key}:g1`, 200, false],
    ]);
    const [after] = await transferRows(paid.invoiceId);
    expect(after).toMatchObject({ reversed_amount: 2_667, reversal_key_generation: 1 });
    expect((await stripe.transfers.retrieve(transferId)).amount_reversed).toBe(2_667);
  });

  it('reduces a held transfer instead, and the release later pays only what is left', async () => {
    const paid = await givenInvoiceOfThreeHosts({ payoutsEnabled: false });
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    await harness.run(reverseRefundedCharge, chargeRefunded(paid.charge, 5_000), { stripe });
    expect((await transferRows(paid.invoiceId)).map((row) => [row.status, row.reversed_amount])).toEqual([
      ['held', 1_334],
      ['held', 1_333],
      ['held', 1_333],
    ]);
    expect((await reversalRows(paid.invoiceId)).map((reversal) => reversal.kind)).toEqual(['reduction', 'reduction', 'reduction']);

    for (const host of paid.hosts) await givenOnboardedHost(harness, host, { payoutsEnabled: true, created: periodEnd + 900, stripe });
    const transfers = await stripe.transfers.list({ transfer_group: paid.invoiceId });
    // 26.67 - 13.34, 26.67 - 13.33, 26.66 - 13.33
    expect(transfers.data.map((transfer) => transfer.amount).sort()).toEqual([1_333, 1_333, 1_334]);
    expect((await transferRows(paid.invoiceId)).map((row) => row.status)).toEqual(['paid', 'paid', 'paid']);
  });

  it('reduces a held transfer once when the refund event comes twice', async () => {
    const paid = await givenInvoiceOfThreeHosts({ payoutsEnabled: false });
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    const event = chargeRefunded(paid.charge, 5_000);
    await harness.run(reverseRefundedCharge, event, { stripe });
    await harness.run(reverseRefundedCharge, event, { stripe });
    expect((await transferRows(paid.invoiceId)).map((row) => row.reversed_amount)).toEqual([1_334, 1_333, 1_333]);
    expect(await reversalRows(paid.invoiceId)).toHaveLength(3);
  });

  it('cancels a held transfer that a full refund leaves owing nothing', async () => {
    const paid = await givenInvoiceOfThreeHosts({ payoutsEnabled: false });
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    await harness.run(reverseRefundedCharge, chargeRefunded(paid.charge, 10_000), { stripe });
    expect((await transferRows(paid.invoiceId)).map((row) => row.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    for (const host of paid.hosts) await givenOnboardedHost(harness, host, { payoutsEnabled: true, created: periodEnd + 900, stripe });
    expect((await stripe.transfers.list({ transfer_group: paid.invoiceId })).data).toEqual([]);
  });

  it.each([
    ['the refund first', 'refund-first'],
    ['the payment first', 'payment-first'],
    ['both at once', 'concurrent'],
  ] as const)('ends the same when a refund races the invoice payment (%s)', async (_name, order) => {
    const paid = await givenInvoiceOfThreeHosts();
    const refund = chargeRefunded(paid.charge, 5_000);
    if (order === 'refund-first') {
      await harness.run(reverseRefundedCharge, refund, { stripe });
      expect(await transferRows(paid.invoiceId)).toEqual([]);
      await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    } else if (order === 'payment-first') {
      await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
      await harness.run(reverseRefundedCharge, refund, { stripe });
    } else {
      await Promise.all([harness.run(reverseRefundedCharge, refund, { stripe }), harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe })]);
    }
    const rows = await transferRows(paid.invoiceId);
    expect(rows.map((row) => [row.status, row.reversed_amount])).toEqual([
      ['paid', 1_334],
      ['paid', 1_333],
      ['paid', 1_333],
    ]);
    // What each host keeps is its share of the half not refunded, however the two met.
    const transfers = await Promise.all(rows.map((row) => stripe.transfers.retrieve(row.stripe_transfer_id ?? '')));
    expect(transfers.map((transfer) => transfer.amount - transfer.amount_reversed)).toEqual([1_333, 1_334, 1_333]);

    await harness.run(reverseRefundedCharge, chargeRefunded(paid.charge, 10_000), { stripe });
    const full = await Promise.all(rows.map((row) => stripe.transfers.retrieve(row.stripe_transfer_id ?? '')));
    expect(full.map((transfer) => transfer.amount - transfer.amount_reversed)).toEqual([0, 0, 0]);
  });
});

describe('CancelHeldTransfers', () => {
  it.each(['invoice.voided', 'invoice.marked_uncollectible'])('cancels the held transfers of the invoice on %s; a later release pays nothing', async (type) => {
    const paid = await givenInvoiceOfThreeHosts({ payoutsEnabled: false });
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    const event = buildEvent({ type, created: periodEnd + 600, object: { id: paid.invoiceId } });
    const result = await harness.run(cancelHeldTransfers, event);
    expect((await transferRows(paid.invoiceId)).map((row) => [row.status, row.reversed_amount])).toEqual([
      ['cancelled', 2_667],
      ['cancelled', 2_667],
      ['cancelled', 2_666],
    ]);
    const reason = type === 'invoice.voided' ? 'invoice_voided' : 'invoice_uncollectible';
    expect(await reversalRows(paid.invoiceId)).toEqual(
      paid.hosts.map((host, index) => ({ host_account_id: host, kind: 'cancellation', amount: index === 2 ? 2_666 : 2_667, reason, stripe_reversal_id: null, event_id: event.id })),
    );
    expect((result.effects as { cancelled: unknown[] }).cancelled).toHaveLength(3);

    for (const host of paid.hosts) await givenOnboardedHost(harness, host, { payoutsEnabled: true, created: periodEnd + 900, stripe });
    expect((await stripe.transfers.list({ transfer_group: paid.invoiceId })).data).toEqual([]);
  });

  it('leaves a paid transfer as it is', async () => {
    const paid = await givenInvoiceOfThreeHosts();
    await harness.run(initiateFundsTransfer, paid.invoicePaid, { stripe });
    const result = await harness.run(cancelHeldTransfers, buildEvent({ type: 'invoice.voided', object: { id: paid.invoiceId } }));
    expect((result.effects as { cancelled: unknown[] }).cancelled).toEqual([]);
    expect((await transferRows(paid.invoiceId)).map((row) => row.status)).toEqual(['paid', 'paid', 'paid']);
  });
});

describe('RecordDispute', () => {
  /** A basil invoice the emulator knows as paid by a charge of 100.00 USD, paid to three hosts; answers that charge. */
  async function givenPaidThroughEmulatorCharge(): Promise<PaidCharge> {
    const paid = await givenInvoiceOfThreeHosts();
    const object = { ...(paid.invoicePaid.data.object as unknown as Record<string, unknown>) };
    delete object.charge;
    await emulator.seedInvoices([{ id: paid.invoiceId, amountPaid: 10_000, paidBy: 'charge' }]);
    const invoicePaid = buildEvent({ type: 'invoice.paid', created: periodEnd + 60, object });
    await harness.run(initiateFundsTransfer, invoicePaid, { stripe });
    const [row] = await harness.query<{ source_transaction: string }>('SELECT source_transaction FROM host_transfers WHERE invoice_id = $1 LIMIT 1', [paid.invoiceId]);
    return { ...paid, charge: row!.source_transaction, invoicePaid };
  }

  const disputeEvent = (type: string, dispute: string, charge: string, status: string, created: number): Stripe.Event =>
    buildEvent({ type, created, object: { id: dispute, charge, amount: 10_000, currency: 'usd', status } });

  it('records an open dispute and takes nothing back; a lost one takes back every host transfer in full', async () => {
    const paid = await givenPaidThroughEmulatorCharge();
    const dispute = stripeId('dp');
    await harness.run(recordDispute, disputeEvent('charge.dispute.created', dispute, paid.charge, 'needs_response', periodEnd + 600), { stripe });
    expect(await harness.query('SELECT status FROM disputes WHERE id = $1', [dispute])).toEqual([{ status: 'needs_response' }]);
    expect(await reversalRows(paid.invoiceId)).toEqual([]);

    const closed = disputeEvent('charge.dispute.closed', dispute, paid.charge, 'lost', periodEnd + 700);
    await harness.run(recordDispute, closed, { stripe });
    const rows = await transferRows(paid.invoiceId);
    expect(rows.map((row) => row.reversed_amount)).toEqual([2_667, 2_667, 2_666]);
    expect(await stripeReversed(rows)).toEqual([2_667, 2_667, 2_666]);
    expect((await reversalRows(paid.invoiceId)).map((reversal) => [reversal.reason, reversal.event_id])).toEqual(rows.map(() => ['dispute_lost', closed.id]));
  });

  it('takes nothing back for a dispute closed won, nor for a created event arriving after the closing one', async () => {
    const paid = await givenPaidThroughEmulatorCharge();
    const dispute = stripeId('dp');
    await harness.run(recordDispute, disputeEvent('charge.dispute.closed', dispute, paid.charge, 'won', periodEnd + 700), { stripe });
    const late = await harness.run(recordDispute, disputeEvent('charge.dispute.created', dispute, paid.charge, 'needs_response', periodEnd + 600), { stripe });
    expect(late.outcome).toBe('stale');
    expect(await harness.query('SELECT status FROM disputes WHERE id = $1', [dispute])).toEqual([{ status: 'won' }]);
    expect(await reversalRows(paid.invoiceId)).toEqual([]);
  });
});

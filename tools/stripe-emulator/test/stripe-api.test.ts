import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent, createStripeClient, stripeId } from '@pipeline/stripe-events';
import { startStripeEmulator, type StripeEmulator } from '@pipeline/testkit';

let emulator: StripeEmulator;

beforeAll(async () => {
  emulator = await startStripeEmulator();
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(async () => {
  await emulator.reset();
});

function client(options: { apiKey?: string; timeoutMs?: number } = {}) {
  return createStripeClient({ apiKey: options.apiKey ?? 'sk_test_fake_emulator', apiBase: emulator.url, maxNetworkRetries: 0, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
}

function transferParams(group = stripeId('in')) {
  return { amount: 8_000, currency: 'usd', destination: 'acct_1HostFake', transfer_group: group, metadata: { invoice_id: group } };
}

async function failureOf(call: Promise<unknown>): Promise<Error & { type?: string; statusCode?: number; code?: string; param?: string }> {
  try {
    await call;
  } catch (err: unknown) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('transfers', () => {
  it('creates a transfer, records the call with its idempotency key and lists it by transfer group', async () => {
    const stripe = client();
    const params = transferParams();
    const transfer = await stripe.transfers.create(params, { idempotencyKey: `transfer:${params.transfer_group}:acct_1HostFake` });
    expect(transfer).toMatchObject({ object: 'transfer', amount: 8_000, currency: 'usd', destination: 'acct_1HostFake', transfer_group: params.transfer_group, metadata: params.metadata, livemode: false, reversed: false, amount_reversed: 0, source_transaction: null });
    expect(transfer.id).toMatch(/^tr_/);

    await stripe.transfers.create(transferParams());
    const listed = await stripe.transfers.list({ transfer_group: params.transfer_group });
    expect(listed.data.map((item) => item.id)).toEqual([transfer.id]);
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({ id: transfer.id, amount: 8_000 });

    const [created] = await emulator.calls({ path: '/v1/transfers' });
    expect(created).toMatchObject({
      method: 'POST',
      path: '/v1/transfers',
      params: { amount: '8000', transfer_group: params.transfer_group, metadata: { invoice_id: params.transfer_group } },
      idempotencyKey: `transfer:${params.transfer_group}:acct_1HostFake`,
      account: null,
      status: 200,
      replayed: false,
      faulted: false,
    });
  });

  it('answers the same transfer for the same idempotency key, and an idempotency error for other parameters', async () => {
    const stripe = client();
    const params = transferParams();
    const first = await stripe.transfers.create(params, { idempotencyKey: 'key-same' });
    const second = await stripe.transfers.create(params, { idempotencyKey: 'key-same' });
    expect(second.id).toBe(first.id);
    expect((await stripe.transfers.list({ transfer_group: params.transfer_group })).data).toHaveLength(1);
    expect((await emulator.calls({ path: '/v1/transfers' })).map((call) => call.replayed)).toEqual([false, true, false]);

    const err = await failureOf(stripe.transfers.create({ ...params, amount: 9_000 }, { idempotencyKey: 'key-same' }));
    expect(err).toBeInstanceOf(stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
  });

  it('scopes idempotency keys by account', async () => {
    const stripe = client();
    const onPlatform = await stripe.transfers.create(transferParams(), { idempotencyKey: 'key-scoped' });
    const onAccount = await stripe.transfers.create(transferParams(), { idempotencyKey: 'key-scoped', stripeAccount: 'acct_1Other' });
    expect(onAccount.id).not.toBe(onPlatform.id);
  });

  it("keeps test and live mode apart: each key sees only its own mode's transfers and idempotency keys", async () => {
    const test = client();
    const live = client({ apiKey: 'sk_live_fake_emulator_example' });
    const params = transferParams();
    const inTest = await test.transfers.create(params, { idempotencyKey: 'key-modes' });
    const inLive = await live.transfers.create(params, { idempotencyKey: 'key-modes' });
    expect(inLive.id).not.toBe(inTest.id);
    expect([inTest.livemode, inLive.livemode]).toEqual([false, true]);
    expect((await test.transfers.list({ transfer_group: params.transfer_group })).data.map((transfer) => transfer.id)).toEqual([inTest.id]);
    expect((await live.transfers.list({ transfer_group: params.transfer_group })).data.map((transfer) => transfer.id)).toEqual([inLive.id]);
    const err = await failureOf(live.transfers.retrieve(inTest.id));
    expect(err.statusCode).toBe(404);
  });

  it('creates one transfer for concurrent requests with the same key', async () => {
    const stripe = client();
    const params = transferParams();
    // The first request holds the key for a while, so the others arrive while it is in flight.
    await emulator.injectFault({ status: 200, delayMs: 300, count: 1, path: '/v1/transfers' });
    const results = await Promise.all(Array.from({ length: 5 }, () => stripe.transfers.create(params, { idempotencyKey: 'key-concurrent' })));
    expect(new Set(results.map((transfer) => transfer.id)).size).toBe(1);
    expect((await stripe.transfers.list({ transfer_group: params.transfer_group })).data).toHaveLength(1);
    const posts = (await emulator.calls({ path: '/v1/transfers' })).filter((call) => call.method === 'POST');
    expect(posts.filter((call) => !call.replayed)).toHaveLength(1);
  });

  it('rejects a bad amount naming the parameter, and an unknown transfer with 404', async () => {
    const stripe = client();
    const err = await failureOf(stripe.transfers.create({ ...transferParams(), amount: 0 }));
    expect(err).toBeInstanceOf(stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, param: 'amount' });
    const missing = await failureOf(stripe.transfers.create({ amount: 100, currency: 'usd' } as never));
    expect(missing).toMatchObject({ statusCode: 400, param: 'destination', code: 'parameter_missing' });
    const unknown = await failureOf(stripe.transfers.retrieve('tr_missing'));
    expect(unknown).toBeInstanceOf(stripe.errors.StripeInvalidRequestError);
    expect(unknown).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('answers 401 without an API key or with a malformed one', async () => {
    const response = await fetch(`${emulator.url}/v1/transfers`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringMatching(/did not provide an API key/) as unknown } });
    const stripe = client({ apiKey: 'pk_test_fake_publishable' });
    expect(await failureOf(stripe.transfers.list())).toBeInstanceOf(stripe.errors.StripeAuthenticationError);
  });
});

describe('injected faults', () => {
  it('surfaces 500, 429 and a hang as StripeAPIError, StripeRateLimitError and StripeConnectionError', async () => {
    const stripe = client({ timeoutMs: 300 });
    await emulator.injectFault({ status: 500, count: 1 });
    await emulator.injectFault({ status: 429, count: 1 });
    await emulator.injectFault({ delayMs: 5_000, count: 1 });
    expect(await failureOf(stripe.transfers.create(transferParams()))).toBeInstanceOf(stripe.errors.StripeAPIError);
    expect(await failureOf(stripe.transfers.create(transferParams()))).toBeInstanceOf(stripe.errors.StripeRateLimitError);
    expect(await failureOf(stripe.transfers.create(transferParams()))).toBeInstanceOf(stripe.errors.StripeConnectionError);
    // Faulted requests had no effect.
    expect((await stripe.transfers.list()).data).toEqual([]);
    const calls = await emulator.calls({ path: '/v1/transfers' });
    expect(calls.slice(0, 2).map((call) => [call.status, call.faulted])).toEqual([
      [500, true],
      [429, true],
    ]);
  });

  it('stops faulting after `count` matching requests and leaves other paths alone', async () => {
    const stripe = client();
    await emulator.injectFault({ status: 503, count: 2, path: '/v1/transfers', method: 'POST' });
    expect((await stripe.events.list()).data).toEqual([]);
    expect(await failureOf(stripe.transfers.create(transferParams()))).toMatchObject({ statusCode: 503 });
    expect(await failureOf(stripe.transfers.create(transferParams()))).toMatchObject({ statusCode: 503 });
    expect((await stripe.transfers.create(transferParams())).id).toMatch(/^tr_/);
  });

  it('carries out an afterEffect request before failing it, so a retry with the same key gets the original transfer', async () => {
    const stripe = client({ timeoutMs: 300 });
    const params = transferParams();
    await emulator.injectFault({ status: 502, afterEffect: true, count: 1 });
    expect(await failureOf(stripe.transfers.create(params, { idempotencyKey: 'key-after-500' }))).toBeInstanceOf(stripe.errors.StripeAPIError);
    const [original] = (await stripe.transfers.list({ transfer_group: params.transfer_group })).data;
    expect((await stripe.transfers.create(params, { idempotencyKey: 'key-after-500' })).id).toBe(original?.id);

    const timedOut = transferParams();
    await emulator.injectFault({ delayMs: 5_000, afterEffect: true, count: 1 });
    expect(await failureOf(stripe.transfers.create(timedOut, { idempotencyKey: 'key-after-timeout' }))).toBeInstanceOf(stripe.errors.StripeConnectionError);
    const retried = await stripe.transfers.create(timedOut, { idempotencyKey: 'key-after-timeout' });
    expect((await stripe.transfers.list({ transfer_group: timedOut.transfer_group })).data.map((transfer) => transfer.id)).toEqual([retried.id]);
  });
});

describe('what Stripe keeps under an idempotency key', () => {
  it('replays a 500 saved under the key for every retry with that key, and makes nothing', async () => {
    const stripe = client();
    const params = transferParams();
    await emulator.injectFault({ status: 500, count: 1, path: '/v1/transfers', method: 'POST' });
    expect(await failureOf(stripe.transfers.create(params, { idempotencyKey: 'key-500' }))).toMatchObject({ statusCode: 500 });
    const replayed = await failureOf(stripe.transfers.create(params, { idempotencyKey: 'key-500' }));
    expect(replayed).toMatchObject({ statusCode: 500, headers: { 'idempotent-replayed': 'true' } });
    expect((await stripe.transfers.list({ transfer_group: params.transfer_group })).data).toEqual([]);
    expect((await stripe.transfers.create(params, { idempotencyKey: 'key-500:g1' })).id).toMatch(/^tr_/);
  });

  it('can save a 500 under the key after making the transfer', async () => {
    const stripe = client();
    const params = transferParams();
    await emulator.injectFault({ status: 500, count: 1, afterEffect: true, saved: true });
    expect(await failureOf(stripe.transfers.create(params, { idempotencyKey: 'key-made-500' }))).toMatchObject({ statusCode: 500 });
    expect(await failureOf(stripe.transfers.create(params, { idempotencyKey: 'key-made-500' }))).toMatchObject({ statusCode: 500 });
    expect((await stripe.transfers.list({ transfer_group: params.transfer_group })).data).toHaveLength(1);
  });

  it('answers balance_insufficient for a transfer without source_transaction beyond the available balance, and keeps it under the key', async () => {
    const stripe = client();
    await emulator.setAvailableBalance(10_000);
    expect((await stripe.transfers.create(transferParams(), { idempotencyKey: 'key-funded' })).amount).toBe(8_000);
    const params = transferParams();
    expect(await failureOf(stripe.transfers.create(params, { idempotencyKey: 'key-short' }))).toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
    await emulator.setAvailableBalance(100_000);
    expect(await failureOf(stripe.transfers.create(params, { idempotencyKey: 'key-short' }))).toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
    expect((await stripe.transfers.create(params, { idempotencyKey: 'key-short:g1' })).amount).toBe(8_000);
    // A transfer with source_transaction waits for that charge's funds, not the balance.
    await emulator.setAvailableBalance(0);
    expect((await stripe.transfers.create({ ...transferParams(), source_transaction: stripeId('ch') })).id).toMatch(/^tr_/);
  });
});

describe('invoice payments', () => {
  it('names the charge of a basil invoice through its paid payment and the PaymentIntent', async () => {
    const stripe = client();
    const invoice = stripeId('in');
    await emulator.seedInvoices([{ id: invoice, amountPaid: 5_000 }]);
    const payments = await stripe.invoicePayments.list({ invoice, status: 'paid' });
    expect(payments.data).toHaveLength(1);
    const payment = payments.data[0]!.payment;
    expect(payment.type).toBe('payment_intent');
    const intent = await stripe.paymentIntents.retrieve(payment.payment_intent as string);
    expect(intent.latest_charge).toMatch(/^ch_/);
    // Transfers from that charge are limited to its amount.
    const from = { ...transferParams(invoice), amount: 3_000, source_transaction: intent.latest_charge as string };
    await stripe.transfers.create(from);
    expect(await failureOf(stripe.transfers.create(from))).toMatchObject({ statusCode: 400, code: 'amount_too_large' });

    const outOfBand = stripeId('in');
    await emulator.seedInvoices([{ id: outOfBand, paidBy: 'none' }]);
    expect((await stripe.invoicePayments.list({ invoice: outOfBand })).data).toEqual([]);
  });

  it('reverses a transfer in part, then in full', async () => {
    const stripe = client();
    const transfer = await stripe.transfers.create(transferParams());
    await stripe.transfers.createReversal(transfer.id, { amount: 3_000 });
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({ amount_reversed: 3_000, reversed: false });
    await stripe.transfers.createReversal(transfer.id);
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({ amount_reversed: 8_000, reversed: true });
  });
});

describe('events and accounts', () => {
  const t0 = 1_700_000_000;

  it('filters by delivery_success and created range, newest first, and pages with starting_after', async () => {
    const stripe = client();
    const delivered = [0, 1, 2].map((i) => buildEvent({ type: 'invoice.paid', created: t0 + i }));
    const failed = [3, 4, 5, 6].map((i) => buildEvent({ type: 'invoice.payment_failed', created: t0 + i }));
    await emulator.seedEvents(delivered, { deliverySuccess: true });
    await emulator.seedEvents(failed);

    const undelivered = await stripe.events.list({ delivery_success: false });
    expect(undelivered.data.map((event) => event.id)).toEqual(failed.map((event) => event.id).reverse());

    const ranged = await stripe.events.list({ created: { gte: t0 + 1, lt: t0 + 4 } });
    expect(ranged.data.map((event) => event.created)).toEqual([t0 + 3, t0 + 2, t0 + 1]);
    expect((await stripe.events.list({ types: ['invoice.paid'] })).data).toHaveLength(3);

    const first = await stripe.events.list({ limit: 4 });
    expect(first.has_more).toBe(true);
    const second = await stripe.events.list({ limit: 4, starting_after: first.data.at(-1)!.id });
    expect(second.has_more).toBe(false);
    expect([...first.data, ...second.data].map((event) => event.created)).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => t0 + i));
  });

  it("scopes events to the Stripe-Account header's connected account", async () => {
    const stripe = client();
    const account = stripeId('acct', 16);
    const platformEvent = buildEvent({ type: 'invoice.paid', created: t0 });
    const connectEvent = buildEvent({ type: 'account.updated', account, created: t0 + 1 });
    await emulator.seedEvents([platformEvent, connectEvent]);

    expect((await stripe.events.list()).data.map((event) => event.id)).toEqual([platformEvent.id]);
    expect((await stripe.events.list({}, { stripeAccount: account })).data.map((event) => event.id)).toEqual([connectEvent.id]);
    expect((await stripe.events.retrieve(connectEvent.id, {}, { stripeAccount: account })).id).toBe(connectEvent.id);
    expect(await failureOf(stripe.events.retrieve(connectEvent.id))).toMatchObject({ statusCode: 404 });
  });

  it('lists seeded connected accounts and the accounts of seeded events', async () => {
    const stripe = client();
    await emulator.seedAccounts([{ id: 'acct_1Seeded', payouts_enabled: false, created: 1_000 }]);
    const fromEvent = stripeId('acct', 16);
    await emulator.seedEvents([buildEvent({ type: 'account.updated', account: fromEvent })]);

    const accounts = await stripe.accounts.list({ limit: 10 });
    expect(accounts.data.map((account) => account.id)).toEqual([fromEvent, 'acct_1Seeded']);
    expect(await stripe.accounts.retrieve('acct_1Seeded')).toMatchObject({ object: 'account', payouts_enabled: false });
    const page = await stripe.accounts.list({ limit: 1, starting_after: fromEvent });
    expect(page.data.map((account) => account.id)).toEqual(['acct_1Seeded']);
  });
});

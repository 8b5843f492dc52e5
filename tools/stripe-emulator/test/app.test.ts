import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildEmulatorApp } from '../src/app.ts';

const auth = { authorization: 'Bearer sk_test_fake_inject' };
let app: FastifyInstance;
let clock = 1_700_000_000_000;

function build(): FastifyInstance {
  app = buildEmulatorApp({ now: () => clock });
  return app;
}

afterEach(async () => {
  await app.close();
});

function postTransfer(key: string, amount = 100) {
  return app.inject({
    method: 'POST',
    url: '/v1/transfers',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key },
    payload: `amount=${amount}&currency=usd&destination=acct_1`,
  });
}

describe('emulator app', () => {
  it('forgets an idempotency key 24 hours after its answer', async () => {
    build();
    const first = (await postTransfer('key-ttl')).json<{ id: string }>();
    clock += 23 * 3_600_000;
    const replay = await postTransfer('key-ttl');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json<{ id: string }>().id).toBe(first.id);
    clock += 2 * 3_600_000;
    expect((await postTransfer('key-ttl', 200)).json<{ id: string }>().id).not.toBe(first.id);
  });

  it('answers its health check without recording a call', async () => {
    build();
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/_emulator/calls' })).json<{ calls: unknown[] }>().calls).toEqual([]);
  });

  it('answers an unknown path in Stripe shape and records it', async () => {
    build();
    const response = await app.inject({ method: 'GET', url: '/v1/charges?limit=3', headers: auth });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('Unrecognized request URL (GET: /v1/charges)') as unknown } });
    const calls = (await app.inject({ method: 'GET', url: '/_emulator/calls?path=/v1/charges' })).json<{ calls: unknown[] }>().calls;
    expect(calls).toMatchObject([{ method: 'GET', path: '/v1/charges', params: { limit: '3' }, status: 404 }]);
  });

  it('rejects unknown parameters, an out-of-range limit and type together with types, naming the parameter', async () => {
    build();
    const cases: Array<[string, string]> = [
      ['/v1/events?limit=101', 'limit'],
      ['/v1/events?type=invoice.paid&types[0]=invoice.paid', 'types'],
      ['/v1/events?created[since]=1', 'created[since]'],
      ['/v1/transfers?colour=red', 'colour'],
    ];
    for (const [url, param] of cases) {
      const response = await app.inject({ method: 'GET', url, headers: auth });
      expect(response.statusCode, url).toBe(400);
      expect(response.json<{ error: { param: string } }>().error.param, url).toBe(param);
    }
  });

  it('matches event types with a wildcard and pages backwards with ending_before', async () => {
    build();
    const events = ['invoice.paid', 'invoice.payment_failed', 'customer.created', 'invoice.finalized'].map((type, index) => ({ id: `evt_${index}`, type, created: 100 + index }));
    await app.inject({ method: 'POST', url: '/_emulator/events', payload: { events } });
    const invoices = (await app.inject({ method: 'GET', url: '/v1/events?type=invoice.*', headers: auth })).json<{ data: Array<{ id: string }> }>();
    expect(invoices.data.map((event) => event.id)).toEqual(['evt_3', 'evt_1', 'evt_0']);
    const before = (await app.inject({ method: 'GET', url: '/v1/events?ending_before=evt_1&limit=1', headers: auth })).json<{ data: Array<{ id: string }>; has_more: boolean }>();
    expect(before).toMatchObject({ data: [{ id: 'evt_2' }], has_more: true });
  });

  it('refuses a fault with an unknown field, and reset forgets transfers, calls and faults', async () => {
    build();
    const bad = await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { status: 500, paths: '/v1' } });
    expect(bad.statusCode).toBe(400);
    await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { status: 503 } });
    expect((await postTransfer('key-reset')).statusCode).toBe(503);
    await app.inject({ method: 'POST', url: '/_emulator/reset' });
    expect((await postTransfer('key-reset')).statusCode).toBe(200);
    const listed = (await app.inject({ method: 'GET', url: '/v1/transfers', headers: auth })).json<{ data: unknown[] }>();
    expect(listed.data).toHaveLength(1);
  });

  it('reverses a transfer up to what is not reversed yet, answering 400 amount_too_large beyond it, and lists the reversals', async () => {
    build();
    const transfer = (await postTransfer('key-reverse', 1_000)).json<{ id: string }>();
    const reverse = (amount: number) =>
      app.inject({ method: 'POST', url: `/v1/transfers/${transfer.id}/reversals`, headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: `amount=${amount}` });
    expect((await reverse(600)).statusCode).toBe(200);
    const tooMuch = await reverse(401);
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json<{ error: { code: string; param: string } }>().error).toMatchObject({ code: 'amount_too_large', param: 'amount' });
    expect((await reverse(400)).statusCode).toBe(200);
    const after = (await app.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}`, headers: auth })).json<{ amount_reversed: number; reversed: boolean }>();
    expect(after).toMatchObject({ amount_reversed: 1_000, reversed: true });
    const listed = (await app.inject({ method: 'GET', url: `/v1/transfers/${transfer.id}/reversals`, headers: auth })).json<{ data: Array<{ amount: number }> }>();
    expect(listed.data.map((reversal) => reversal.amount)).toEqual([400, 600]);
  });

  it("refunds a declared invoice's charge up to what is not refunded yet, and shows amount_refunded on the charge", async () => {
    build();
    const seeded = await app.inject({ method: 'POST', url: '/_emulator/invoices', payload: { invoices: [{ id: 'in_refundable', amountPaid: 1_000, paidBy: 'charge' }] } });
    expect(seeded.statusCode).toBeLessThan(300);
    const payments = (await app.inject({ method: 'GET', url: '/v1/invoice_payments?invoice=in_refundable', headers: auth })).json<{ data: Array<{ payment: { charge: string } }> }>();
    const charge = payments.data[0]!.payment.charge;
    const refund = (amount: number) =>
      app.inject({ method: 'POST', url: '/v1/refunds', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: `charge=${charge}&amount=${amount}` });
    expect((await refund(300)).json<{ amount: number; status: string }>()).toMatchObject({ amount: 300, status: 'succeeded' });
    expect((await refund(701)).json<{ error: { code: string } }>().error.code).toBe('amount_too_large');
    expect((await refund(700)).statusCode).toBe(200);
    expect((await refund(1)).json<{ error: { code: string } }>().error.code).toBe('charge_already_refunded');
    const after = (await app.inject({ method: 'GET', url: `/v1/charges/${charge}`, headers: auth })).json<{ amount_refunded: number; refunded: boolean }>();
    expect(after).toMatchObject({ amount_refunded: 1_000, refunded: true });
    expect((await app.inject({ method: 'GET', url: '/v1/charges/ch_unknown', headers: auth })).statusCode).toBe(404);
  });
});

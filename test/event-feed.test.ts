import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseNow, listFeedEvents, readSettledAfter, recordFailure, recordOutcome, UnknownFeedCursorError, withEventTransaction, type LedgerEvent } from '@pipeline/db';
import { createTestDatabase, type TestDatabase } from '@pipeline/testkit';

// The event feed's queries against the real PostgreSQL, with rows the worker's own ledger writes make.
const services = inject('services');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(services.databaseUrl, services.templateDatabase);
});

afterAll(async () => {
  await db.drop();
});

function ledgerEvent(id: string, type: string, account?: string): LedgerEvent {
  return { id, type, endpoint: account === undefined ? 'platform' : 'connect', account, livemode: false, created: 1_700_000_000 };
}

/** Settles `event` as the worker does: the outcome written in the event's transaction, after `workMs`. */
async function settle(event: LedgerEvent, outcome: 'processed' | 'ignored' | 'stale', effects: unknown = {}, workMs = 0): Promise<void> {
  await withEventTransaction(db.pool, event.id, async (client) => {
    if (workMs > 0) await client.query('SELECT pg_sleep($1)', [workMs / 1000]);
    await recordOutcome(client, event, outcome, 1, effects);
  });
}

describe('the event feed', () => {
  it('lists newest first with type, endpoint, account, outcome, attempts, latency and transfer count', async () => {
    await settle(ledgerEvent('evt_feed_sub', 'customer.subscription.updated'), 'processed');
    await settle(ledgerEvent('evt_feed_inv', 'invoice.paid'), 'processed', { transfers: [{ status: 'paid' }, { status: 'held' }] }, 60);
    await settle(ledgerEvent('evt_feed_acct', 'account.updated', 'acct_1FeedHost'), 'stale');
    await recordFailure(db.pool, ledgerEvent('evt_feed_fail', 'invoice.payment_failed'), 'failed', 5, 'Stripe answered 500');

    const { events, hasMore } = await listFeedEvents(db.pool, {}, { limit: 10 });

    expect(hasMore).toBe(false);
    expect(events.map((event) => event.id)).toEqual(['evt_feed_fail', 'evt_feed_acct', 'evt_feed_inv', 'evt_feed_sub']);
    const invoice = events[2];
    expect(invoice).toMatchObject({ type: 'invoice.paid', endpoint: 'platform', account: null, outcome: 'processed', attempts: 1, transfers: 2 });
    // The transaction slept 60 ms before its ledger write.
    expect(invoice?.latencyMs).toBeGreaterThanOrEqual(60);
    expect(invoice?.latencyMs).toBeLessThan(5_000);
    expect(events[1]).toMatchObject({ endpoint: 'connect', account: 'acct_1FeedHost', outcome: 'stale', transfers: 0 });
    expect(events[0]).toMatchObject({ outcome: 'failed', attempts: 5, lastError: 'Stripe answered 500', latencyMs: null });
  });

  it('filters by type glob, account, outcome, time range and id', async () => {
    const ids = async (filter: Parameters<typeof listFeedEvents>[1]) => (await listFeedEvents(db.pool, filter, { limit: 100 })).events.map((event) => event.id);
    const marker = await databaseNow(db.pool);
    await settle(ledgerEvent('evt_filter_paid', 'invoice.paid'), 'processed');
    await settle(ledgerEvent('evt_filter_upcoming', 'invoice.upcoming'), 'ignored');
    await settle(ledgerEvent('evt_filter_acct', 'account.updated', 'acct_1FilterHost'), 'processed');

    expect(await ids({ type: 'invoice.*', since: marker })).toEqual(['evt_filter_upcoming', 'evt_filter_paid']);
    expect(await ids({ type: 'invoice_paid', since: marker })).toEqual([]);
    expect(await ids({ account: 'acct_1FilterHost' })).toEqual(['evt_filter_acct']);
    expect(await ids({ outcomes: ['ignored'], since: marker })).toEqual(['evt_filter_upcoming']);
    expect(await ids({ until: marker })).not.toContain('evt_filter_paid');
    expect(await ids({ since: marker, until: marker })).toEqual([]);
    expect(await ids({ id: 'evt_filter_paid' })).toEqual(['evt_filter_paid']);
  });

  it('pages with a before cursor, with no event lost or repeated, and refuses an unknown cursor', async () => {
    const marker = await databaseNow(db.pool);
    const settled: string[] = [];
    for (let n = 0; n < 7; n += 1) {
      const id = `evt_page_${n}`;
      await settle(ledgerEvent(id, 'customer.updated'), 'processed');
      settled.push(id);
    }
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await listFeedEvents(db.pool, { since: marker }, { limit: 3, before });
      seen.push(...page.events.map((event) => event.id));
      if (!page.hasMore) break;
      before = page.events.at(-1)?.id;
    }
    expect(seen).toEqual(settled.reverse());

    await expect(listFeedEvents(db.pool, {}, { limit: 3, before: 'evt_not_in_ledger' })).rejects.toBeInstanceOf(UnknownFeedCursorError);
  });

  it('reads what settled after a moment, oldest first, without retrying events', async () => {
    const start = await databaseNow(db.pool);
    await settle(ledgerEvent('evt_after_1', 'invoice.paid'), 'processed');
    await recordFailure(db.pool, ledgerEvent('evt_after_retry', 'invoice.paid'), 'retrying', 1, 'timeout');
    await recordFailure(db.pool, ledgerEvent('evt_after_parked', 'invoice.paid'), 'failed', 5, 'timeout');
    await settle(ledgerEvent('evt_after_2', 'charge.refunded'), 'processed');

    const all = await readSettledAfter(db.pool, {}, start);
    expect(all.events.map((event) => event.id)).toEqual(['evt_after_1', 'evt_after_parked', 'evt_after_2']);
    expect(all.readAt.getTime()).toBeGreaterThanOrEqual(all.events.at(-1)?.settledAt.getTime() ?? 0);

    const invoices = await readSettledAfter(db.pool, { type: 'invoice.*', outcomes: ['processed'] }, start);
    expect(invoices.events.map((event) => event.id)).toEqual(['evt_after_1']);
    expect((await readSettledAfter(db.pool, {}, all.readAt)).events.map((event) => event.id)).toEqual([]);
  });
});

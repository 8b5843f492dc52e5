import { describe, expect, it } from 'vitest';
import { describeFilter, globToRegExp, makeDeadLetterMatcher } from './filter.ts';
import type { ParkedMessage } from './parked-message.ts';

const now = new Date('2026-05-10T00:00:00Z');

function parked(fields: Partial<ParkedMessage>): ParkedMessage {
  return {
    id: 'evt_1',
    type: 'invoice.paid',
    endpoint: 'platform',
    account: undefined,
    livemode: false,
    routingKey: 'platform.invoice.paid',
    attempts: 7,
    error: 'Stripe answered 500',
    errorCode: 'TRANSIENT',
    parkedAt: new Date('2026-05-09T00:00:00Z'),
    parkedBy: 'worker',
    ...fields,
  };
}

describe('dead-letter filters', () => {
  it('match event types exactly or by glob', () => {
    expect(globToRegExp('invoice.*').test('invoice.paid')).toBe(true);
    expect(globToRegExp('invoice.*').test('invoiceXpaid')).toBe(false);
    expect(globToRegExp('customer.subscription.*').test('customer.subscription.updated')).toBe(true);
    const matches = makeDeadLetterMatcher({ type: 'invoice.paid' }, now);
    expect(matches(parked({}))).toBe(true);
    expect(matches(parked({ type: 'invoice.payment_failed' }))).toBe(false);
  });

  it('match the account exactly and the error as a case-insensitive substring', () => {
    expect(makeDeadLetterMatcher({ account: 'acct_1' }, now)(parked({ account: 'acct_1' }))).toBe(true);
    expect(makeDeadLetterMatcher({ account: 'acct_1' }, now)(parked({ account: 'acct_12' }))).toBe(false);
    expect(makeDeadLetterMatcher({ error: 'answered 5' }, now)(parked({}))).toBe(true);
    expect(makeDeadLetterMatcher({ error: 'STRIPE' }, now)(parked({}))).toBe(true);
    expect(makeDeadLetterMatcher({ error: 'timeout' }, now)(parked({}))).toBe(false);
  });

  it('select messages parked at least --older-than ago, never those of unknown age', () => {
    const olderThanHalfDay = makeDeadLetterMatcher({ olderThanMs: 12 * 3_600_000 }, now);
    expect(olderThanHalfDay(parked({}))).toBe(true);
    expect(olderThanHalfDay(parked({ parkedAt: new Date('2026-05-09T18:00:00Z') }))).toBe(false);
    expect(olderThanHalfDay(parked({ parkedAt: undefined }))).toBe(false);
  });

  it('require every filter given', () => {
    const matches = makeDeadLetterMatcher({ type: 'invoice.*', account: 'acct_1' }, now);
    expect(matches(parked({ account: 'acct_1' }))).toBe(true);
    expect(matches(parked({}))).toBe(false);
    expect(describeFilter({ type: 'invoice.*', olderThanMs: 86_400_000 })).toBe('--type invoice.* --older-than 1d');
  });
});

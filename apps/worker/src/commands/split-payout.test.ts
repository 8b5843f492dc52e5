import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitPayout, type PayoutClaim } from './split-payout.ts';

const claim = (hostAccountId: string, weight: number | bigint): PayoutClaim => ({ hostAccountId, weight: BigInt(weight) });
const amounts = (shares: ReturnType<typeof splitPayout>): Record<string, number> =>
  Object.fromEntries(shares.map((share) => [share.hostAccountId, share.amount]));

describe('splitPayout', () => {
  it('gives everything to a single host', () => {
    expect(amounts(splitPayout(8_000, [claim('acct_a', 1_250)]))).toEqual({ acct_a: 8_000 });
  });

  it('splits pro rata to hours when the shares are whole cents', () => {
    expect(amounts(splitPayout(8_000, [claim('acct_a', 300), claim('acct_b', 100)]))).toEqual({ acct_a: 6_000, acct_b: 2_000 });
  });

  it('hands the leftover cents to the largest remainders', () => {
    // Exact shares 3333.33, 3333.33, 3333.33 + 1: the odd cent goes by id order.
    expect(amounts(splitPayout(10_000, [claim('acct_c', 1), claim('acct_b', 1), claim('acct_a', 1)]))).toEqual({
      acct_a: 3_334,
      acct_b: 3_333,
      acct_c: 3_333,
    });
    // Exact shares 14.2857, 28.5714, 57.1428: remainders .2857 .5714 .1428 -> one cent to the middle one.
    expect(amounts(splitPayout(100, [claim('acct_a', 1), claim('acct_b', 2), claim('acct_c', 4)]))).toEqual({ acct_a: 14, acct_b: 29, acct_c: 57 });
  });

  it('breaks remainder ties by host account id, whatever the input order', () => {
    const forward = splitPayout(5, [claim('acct_a', 1), claim('acct_b', 1), claim('acct_c', 1), claim('acct_d', 1)]);
    const backward = splitPayout(5, [claim('acct_d', 1), claim('acct_c', 1), claim('acct_b', 1), claim('acct_a', 1)]);
    expect(amounts(forward)).toEqual({ acct_a: 2, acct_b: 1, acct_c: 1, acct_d: 1 });
    expect(backward).toEqual(forward);
  });

  it('pays nobody when no hours were booked at all', () => {
    const shares = splitPayout(8_000, [claim('acct_a', 0), claim('acct_b', 0)]);
    expect(shares.map((share) => share.amount)).toEqual([0, 0]);
    expect(splitPayout(8_000, [])).toEqual([]);
  });

  it('gives nothing to a host with zero hours among others', () => {
    expect(amounts(splitPayout(999, [claim('acct_a', 0), claim('acct_b', 50), claim('acct_c', 50)]))).toEqual({ acct_a: 0, acct_b: 500, acct_c: 499 });
  });

  it('splits an amount smaller than the number of hosts into single cents', () => {
    const shares = splitPayout(2, [claim('acct_a', 10), claim('acct_b', 30), claim('acct_c', 20)]);
    // Exact shares 0.333, 1, 0.667: acct_b gets its whole cent, the last one goes to the larger remainder.
    expect(amounts(shares)).toEqual({ acct_a: 0, acct_b: 1, acct_c: 1 });
    expect(amounts(splitPayout(0, [claim('acct_a', 10)]))).toEqual({ acct_a: 0 });
  });

  it('stays exact on amounts and hours far beyond floating point precision', () => {
    const amount = Number.MAX_SAFE_INTEGER;
    const shares = splitPayout(amount, [claim('acct_a', 99_999_999_999n), claim('acct_b', 1n), claim('acct_c', 3n)]);
    expect(shares.reduce((sum, share) => sum + BigInt(share.amount), 0n)).toBe(BigInt(amount));
    // acct_b's exact share is (2^53 - 1) / 100000000003, about 90071.99: it gets the floor or one cent more.
    const exactB = (BigInt(amount) * 1n) / 100_000_000_003n;
    expect(BigInt(shares[1]!.amount) - exactB).toBeLessThanOrEqual(1n);
    expect(BigInt(shares[1]!.amount) - exactB).toBeGreaterThanOrEqual(0n);
  });

  it('refuses a negative or fractional amount, a negative weight and a host listed twice', () => {
    expect(() => splitPayout(-1, [claim('acct_a', 1)])).toThrow(RangeError);
    expect(() => splitPayout(1.5, [claim('acct_a', 1)])).toThrow(RangeError);
    expect(() => splitPayout(1, [claim('acct_a', -1)])).toThrow(/must not be negative/);
    expect(() => splitPayout(1, [claim('acct_a', 1), claim('acct_a', 2)])).toThrow(/twice/);
  });

  describe('for any amount and hours', () => {
    const claims = fc.uniqueArray(
      fc.record({ hostAccountId: fc.stringMatching(/^acct_[A-Za-z0-9]{1,8}$/), weight: fc.bigInt({ min: 0n, max: 10n ** 12n }) }),
      { selector: (c) => c.hostAccountId, minLength: 1, maxLength: 40 },
    );
    const amount = fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));

    it('sums exactly to the amount (or to 0 without hours), every share >= 0', () => {
      fc.assert(
        fc.property(amount, claims, (total, input) => {
          const shares = splitPayout(total, input);
          const sum = shares.reduce((acc, share) => acc + BigInt(share.amount), 0n);
          const totalWeight = input.reduce((acc, c) => acc + c.weight, 0n);
          expect(sum).toBe(totalWeight === 0n ? 0n : BigInt(total));
          for (const share of shares) expect(share.amount).toBeGreaterThanOrEqual(0);
          expect(shares).toHaveLength(input.length);
        }),
      );
    });

    it('never pays a host a cent or more away from its exact pro rata share', () => {
      fc.assert(
        fc.property(amount, claims, (total, input) => {
          const totalWeight = input.reduce((acc, c) => acc + c.weight, 0n);
          fc.pre(totalWeight > 0n);
          for (const share of splitPayout(total, input)) {
            // |share - total*w/W| < 1  <=>  |share*W - total*w| < W
            const diff = BigInt(share.amount) * totalWeight - BigInt(total) * share.weight;
            expect(diff < totalWeight && -diff < totalWeight).toBe(true);
          }
        }),
      );
    });

    it('does not depend on the order of the hosts', () => {
      fc.assert(
        fc.property(amount, claims, (total, input) => {
          expect(splitPayout(total, [...input].reverse())).toEqual(splitPayout(total, input));
        }),
      );
    });
  });
});

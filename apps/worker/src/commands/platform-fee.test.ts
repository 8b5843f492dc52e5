import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { platformFee } from './platform-fee.ts';

describe('platformFee', () => {
  it('takes the percentage of a round amount', () => {
    expect(platformFee(10_000, 20)).toBe(2_000);
    expect(platformFee(10_000, 0)).toBe(0);
    expect(platformFee(10_000, 100)).toBe(10_000);
  });

  it('rounds to the nearest cent, an exact half cent going to the platform', () => {
    expect(platformFee(1_001, 20)).toBe(200); // 200.2
    expect(platformFee(1_003, 20)).toBe(201); // 200.6
    expect(platformFee(1_005, 10)).toBe(101); // 100.5, half up
    expect(platformFee(999, 12.5)).toBe(125); // 124.875
  });

  it('reads decimal percentages exactly, without floating point drift', () => {
    // 0.1% of 5000 is exactly 5 and 1.1% of 500 exactly 5.5 (-> 6); floats would say 5.500000000000001 or 5.499999...
    expect(platformFee(5_000, 0.1)).toBe(5);
    expect(platformFee(500, 1.1)).toBe(6);
    expect(platformFee(100_000_000, 0.0000001)).toBe(0); // 0.1 cent; String(0.0000001) is "1e-7"
  });

  it('refuses amounts and percentages out of range', () => {
    expect(() => platformFee(-1, 20)).toThrow(RangeError);
    expect(() => platformFee(100, 101)).toThrow(RangeError);
    expect(() => platformFee(100, Number.NaN)).toThrow(RangeError);
  });

  it('is always within half a cent of the exact share, never more than the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), fc.integer({ min: 0, max: 10_000 }), (amount, basisPoints) => {
        const fee = platformFee(amount, basisPoints / 100);
        // |fee - amount*bp/10000| <= 1/2  <=>  |2*fee*10000 - 2*amount*bp| <= 10000
        const diff = 20_000n * BigInt(fee) - 2n * BigInt(amount) * BigInt(basisPoints);
        expect(diff <= 10_000n && -diff < 10_000n).toBe(true);
        expect(fee).toBeLessThanOrEqual(amount);
      }),
    );
  });
});

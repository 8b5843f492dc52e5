/**
 * Splitting an amount of cents across hosts pro rata to their booked hours, in whole cents
 * that sum exactly (the largest remainder method). Pure: no I/O, no floating point.
 */

/** One host's claim on the amount: its weight, e.g. booked hours in hundredths of an hour. */
export interface PayoutClaim {
  readonly hostAccountId: string;
  /** A non-negative integer; only the ratios between weights matter. */
  readonly weight: bigint;
}

/** One host's share of the amount, in whole cents. */
export interface PayoutShare {
  readonly hostAccountId: string;
  readonly weight: bigint;
  readonly amount: number;
}

/**
 * Splits `amount` cents across `claims` pro rata to their weights. Every host first gets
 * the floor of its exact share; the cents left over (fewer than the number of hosts) go
 * one each to the largest fractional remainders, ties broken by ascending host account
 * id, so the result is deterministic whatever the input order. Hence the shares sum to
 * `amount` exactly and each differs from its exact share by less than one cent. With no
 * weight at all (no hours booked) every share is 0: nobody is paid. Shares come back
 * sorted by host account id, zero shares included.
 */
export function splitPayout(amount: number, claims: readonly PayoutClaim[]): PayoutShare[] {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be a non-negative integer of cents, got ${amount}`);
  const seen = new Set<string>();
  for (const claim of claims) {
    if (claim.weight < 0n) throw new RangeError(`weight of ${claim.hostAccountId} must not be negative`);
    if (seen.has(claim.hostAccountId)) throw new RangeError(`host ${claim.hostAccountId} appears twice; sum its hours first`);
    seen.add(claim.hostAccountId);
  }
  const sorted = [...claims].sort((a, b) => compareIds(a.hostAccountId, b.hostAccountId));
  const totalWeight = sorted.reduce((sum, claim) => sum + claim.weight, 0n);
  if (totalWeight === 0n || amount === 0) return sorted.map((claim) => ({ ...claim, amount: 0 }));

  const total = BigInt(amount);
  // Exact share = total * weight / totalWeight = floor + remainder / totalWeight; all remainders
  // share one denominator, so comparing them compares the fractional parts exactly.
  const parts = sorted.map((claim, index) => {
    const scaled = total * claim.weight;
    return { index, floor: scaled / totalWeight, remainder: scaled % totalWeight };
  });
  const leftover = Number(total - parts.reduce((sum, part) => sum + part.floor, 0n));
  const byRemainder = [...parts].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  const extra = new Set(byRemainder.slice(0, leftover).map((part) => part.index));

  return sorted.map((claim, index) => ({
    ...claim,
    amount: Number((parts[index]?.floor ?? 0n) + (extra.has(index) ? 1n : 0n)),
  }));
}

/** Code-unit order, independent of the locale (Stripe ids are ASCII). */
function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * The platform's fee on `amount` cents at `percent` (0 to 100, decimals allowed, e.g.
 * 12.5), rounded to the nearest cent with an exact half cent going to the platform
 * (round half up). The fee is therefore within half a cent of the exact share, and the
 * hosts get `amount - fee`. Computed with integers: `percent` is read as the decimal
 * number it prints as, so 0.1 means exactly one tenth of a percent.
 */
export function platformFee(amount: number, percent: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be a non-negative integer of cents, got ${amount}`);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new RangeError(`percent must be between 0 and 100, got ${percent}`);
  const { numerator, denominator } = decimalFraction(percent);
  // fee = amount * numerator / (denominator * 100), rounded half up: floor(x + 1/2).
  const divisor = denominator * 100n;
  return Number((2n * BigInt(amount) * numerator + divisor) / (2n * divisor));
}

/** `value` as an exact fraction of its shortest decimal representation (`String(value)`). */
function decimalFraction(value: number): { numerator: bigint; denominator: bigint } {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) throw new RangeError(`cannot read ${value} as a decimal number`);
  const [, whole = '0', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText) - fraction.length;
  const digits = BigInt(whole + fraction);
  return exponent >= 0 ? { numerator: digits * 10n ** BigInt(exponent), denominator: 1n } : { numerator: digits, denominator: 10n ** BigInt(-exponent) };
}

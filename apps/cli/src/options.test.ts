import { describe, expect, it } from 'vitest';
import { accountId, duration, positiveInteger, rate } from './options.ts';

describe('option parsers', () => {
  it('accepts positive whole numbers and refuses anything else', () => {
    expect(positiveInteger('5')).toBe(5);
    for (const bad of ['0', '-1', '1.5', 'x', '', '1e3']) expect(() => positiveInteger(bad)).toThrow(/positive whole number/);
  });

  it('accepts fractional rates', () => {
    expect(rate('0.5')).toBe(0.5);
    expect(rate('20')).toBe(20);
    for (const bad of ['0', '-2', 'fast', '', 'Infinity']) expect(() => rate(bad)).toThrow(/positive number/);
  });

  it('reads durations in milliseconds', () => {
    expect(duration('3d')).toBe(3 * 86_400_000);
    expect(duration('90m')).toBe(5_400_000);
    for (const bad of ['3', '3 days', '0s', 'd']) expect(() => duration(bad)).toThrow(/duration/);
  });

  it('accepts only connected account ids', () => {
    expect(accountId('acct_1Abc')).toBe('acct_1Abc');
    expect(() => accountId('cus_123')).toThrow(/acct_/);
  });
});

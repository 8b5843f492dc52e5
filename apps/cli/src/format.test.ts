import { describe, expect, it } from 'vitest';
import { formatCounts, formatDuration, formatTable, truncate } from './format.ts';

describe('formatting', () => {
  it('pads table columns to their widest cell', () => {
    expect(formatTable(['ID', 'TYPE'], [['evt_1', 'invoice.paid'], ['evt_22', 'x']])).toEqual(['ID      TYPE', 'evt_1   invoice.paid', 'evt_22  x']);
  });

  it('truncates long text on one line', () => {
    expect(truncate('a\nb', 10)).toBe('a b');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
  });

  it('writes durations in their largest whole unit', () => {
    expect([formatDuration(3 * 86_400_000), formatDuration(5_400_000), formatDuration(1_500)]).toEqual(['3d', '90m', '1500ms']);
  });

  it('lists counts largest first', () => {
    expect(formatCounts(new Map([['b', 1], ['a', 3]]))).toEqual(['  a  3', '  b  1']);
  });
});

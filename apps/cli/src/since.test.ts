import { describe, expect, it } from 'vitest';
import { parseSince } from './since.ts';

const now = new Date('2026-05-10T12:00:00Z');

describe('parseSince', () => {
  it('reads a duration back from now', () => {
    expect(parseSince('6h', now)).toEqual(new Date('2026-05-10T06:00:00Z'));
    expect(parseSince('3d', now)).toEqual(new Date('2026-05-07T12:00:00Z'));
  });

  it('reads ISO dates and times', () => {
    expect(parseSince('2026-05-01', now)).toEqual(new Date('2026-05-01T00:00:00Z'));
    expect(parseSince('2026-05-01T08:30:00Z', now)).toEqual(new Date('2026-05-01T08:30:00Z'));
    expect(parseSince('2026-05-01T08:30:00+02:00', now)).toEqual(new Date('2026-05-01T06:30:00Z'));
  });

  it('refuses what is neither', () => {
    for (const bad of ['yesterday', '6', '2026-13-45', 'May 1', '']) expect(parseSince(bad, now)).toBeUndefined();
  });
});

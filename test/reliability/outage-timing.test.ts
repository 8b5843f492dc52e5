import { describe, expect, it } from 'vitest';
import type { Attempt, AttemptResult } from './delivery-ledger.ts';
import { measureOutage } from './outage-timing.ts';

const ok: AttemptResult = { kind: 'status', status: 200 };
const unavailable: AttemptResult = { kind: 'status', status: 503 };
const refused: AttemptResult = { kind: 'connection', code: 'ECONNREFUSED' };

function attempt(startedAt: number, endedAt: number, result: AttemptResult): Attempt {
  return { eventId: `evt_${startedAt}`, startedAt, endedAt, result };
}

describe('measureOutage', () => {
  const window = { label: 'broker down', faultAt: 1_000, recoverAt: 5_000, refusal: 'http-503', strictFrom: 'fault' } as const;

  it('measures from the fault to the first 503, the 503 window, and from the recovery to the first 200', () => {
    const timing = measureOutage(
      [attempt(900, 950, ok), attempt(1_010, 1_040, unavailable), attempt(3_000, 3_010, unavailable), attempt(5_100, 5_200, unavailable), attempt(5_300, 6_500, ok), attempt(6_600, 6_700, ok)],
      window,
    );
    expect(timing).toEqual({ label: 'broker down', firstRefusalMs: 40, refusalWindowMs: 4_160, refusals: 3, firstOkAfterRecoveryMs: 1_500, okDuringOutage: 0 });
  });

  it('counts a 200 answered while the broker was away as a broken promise', () => {
    expect(measureOutage([attempt(1_010, 1_040, unavailable), attempt(2_000, 2_050, ok), attempt(5_100, 5_150, ok)], window).okDuringOutage).toBe(1);
  });

  it('does not count a 200 for a request that started before the fault', () => {
    expect(measureOutage([attempt(990, 1_020, ok), attempt(1_030, 1_040, unavailable), attempt(5_100, 5_150, ok)], window).okDuringOutage).toBe(0);
  });

  it('starts the strict window at the first refusal when the fault takes effect late (an alarm)', () => {
    const alarm = { ...window, strictFrom: 'first-refusal' } as const;
    expect(measureOutage([attempt(1_100, 1_200, ok), attempt(1_500, 1_600, unavailable), attempt(5_100, 5_150, ok)], alarm).okDuringOutage).toBe(0);
    expect(measureOutage([attempt(1_500, 1_600, unavailable), attempt(1_700, 1_800, ok), attempt(5_100, 5_150, ok)], alarm).okDuringOutage).toBe(1);
  });

  it('counts connection errors, not statuses, for a dead ingest', () => {
    const crash = { ...window, refusal: 'connection' } as const;
    const timing = measureOutage([attempt(1_010, 1_020, refused), attempt(1_500, 1_510, refused), attempt(5_100, 5_300, unavailable), attempt(5_400, 5_450, ok)], crash);
    expect(timing.refusals).toBe(2);
    expect(timing.firstOkAfterRecoveryMs).toBe(450);
  });
});

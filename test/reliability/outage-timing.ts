import { isSuccess, type Attempt, type AttemptResult } from './delivery-ledger.ts';

/** A fault the scenario caused and then ended, in epoch ms. */
export interface FaultWindow {
  readonly label: string;
  readonly faultAt: number;
  /** When the fault was ended: a 200 answered before it is counted against the ingest. */
  readonly recoverAt: number;
  /** When the end of the fault took effect, for "recovery → first 200"; default `recoverAt`. */
  readonly recoveredAt?: number;
  /** What counts as the ingest refusing during this fault: a 503 for a broker outage, a connection error for a dead ingest. */
  readonly refusal: 'http-503' | 'connection';
  /**
   * From when a 200 would be a broken promise: `fault` for a broker made unreachable (no
   * confirm can arrive), `first-refusal` for an alarm that takes effect a moment later.
   */
  readonly strictFrom: 'fault' | 'first-refusal';
}

export interface OutageTiming {
  readonly label: string;
  /** From the fault to the first refused attempt; undefined if nothing was refused. */
  readonly firstRefusalMs: number | undefined;
  /** From the first to the last refused attempt before service came back. */
  readonly refusalWindowMs: number | undefined;
  readonly refusals: number;
  /** From the recovery to the first 200 of an attempt started after it. */
  readonly firstOkAfterRecoveryMs: number | undefined;
  /** 200s of attempts started after the fault took effect and answered before recovery: must be 0. */
  readonly okDuringOutage: number;
}

function refused(result: AttemptResult, kind: FaultWindow['refusal']): boolean {
  return kind === 'http-503' ? result.kind === 'status' && result.status === 503 : result.kind !== 'status';
}

/** How the ingest answered around one fault, from the sender's ledger. */
export function measureOutage(attempts: readonly Attempt[], window: FaultWindow): OutageTiming {
  const recoveredAt = window.recoveredAt ?? window.recoverAt;
  const firstOk = attempts.filter((a) => a.startedAt >= recoveredAt && isSuccess(a.result)).reduce<number | undefined>((min, a) => (min === undefined || a.endedAt < min ? a.endedAt : min), undefined);
  const refusals = attempts.filter((a) => a.endedAt >= window.faultAt && (firstOk === undefined || a.endedAt <= firstOk) && refused(a.result, window.refusal));
  const first = refusals.reduce<number | undefined>((min, a) => (min === undefined || a.endedAt < min ? a.endedAt : min), undefined);
  const last = refusals.reduce<number | undefined>((max, a) => (max === undefined || a.endedAt > max ? a.endedAt : max), undefined);
  const strictFrom = window.strictFrom === 'fault' ? window.faultAt : (first ?? window.recoverAt);
  const okDuringOutage = attempts.filter((a) => a.startedAt > strictFrom && a.endedAt < window.recoverAt && isSuccess(a.result)).length;
  return {
    label: window.label,
    firstRefusalMs: first === undefined ? undefined : first - window.faultAt,
    refusalWindowMs: first === undefined || last === undefined ? undefined : last - first,
    refusals: refusals.length,
    firstOkAfterRecoveryMs: firstOk === undefined ? undefined : firstOk - recoveredAt,
    okDuringOutage,
  };
}

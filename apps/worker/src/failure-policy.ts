import { PermanentError } from '@pipeline/core';
import { databaseFailureOf } from '@pipeline/db';

export type FailureDecision =
  | { readonly action: 'retry'; readonly attempts: number; readonly delayMs: number }
  | { readonly action: 'park'; readonly attempts: number; readonly reason: 'permanent' | 'exhausted' };

/**
 * What to do after an attempt failed: retry after the next delay of `retryDelaysMs`, or
 * park once the error is permanent or every delay was used (one more attempt than delays).
 *
 * A database that is unreachable or stopped answering, or a lock wait that ran out of
 * `lock_timeout`, says nothing about the event: it is retried after the first delay without
 * counting an attempt (`attempts` stays `failedBefore`), for as long as the outage lasts, so
 * an outage never parks anything. This is checked before PermanentError so that no command
 * can turn an outage into a parked message.
 */
export function decideOnFailure(err: unknown, failedBefore: number, retryDelaysMs: readonly number[]): FailureDecision {
  const database = databaseFailureOf(err);
  const firstDelayMs = retryDelaysMs[0];
  if ((database === 'unavailable' || database === 'lock-timeout') && firstDelayMs !== undefined) {
    return { action: 'retry', attempts: failedBefore, delayMs: firstDelayMs };
  }
  const attempts = failedBefore + 1;
  if (err instanceof PermanentError) return { action: 'park', attempts, reason: 'permanent' };
  const delayMs = retryDelaysMs[failedBefore];
  if (delayMs === undefined) return { action: 'park', attempts, reason: 'exhausted' };
  return { action: 'retry', attempts, delayMs };
}

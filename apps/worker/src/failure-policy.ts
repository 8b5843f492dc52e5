import { PermanentError } from '@pipeline/core';

export type FailureDecision =
  | { readonly action: 'retry'; readonly attempts: number; readonly delayMs: number }
  | { readonly action: 'park'; readonly attempts: number; readonly reason: 'permanent' | 'exhausted' };

/**
 * What to do after an attempt failed: retry after the next delay of `retryDelaysMs`, or
 * park once the error is permanent or every delay was used (one more attempt than delays).
 */
export function decideOnFailure(err: unknown, failedBefore: number, retryDelaysMs: readonly number[]): FailureDecision {
  const attempts = failedBefore + 1;
  if (err instanceof PermanentError) return { action: 'park', attempts, reason: 'permanent' };
  const delayMs = retryDelaysMs[failedBefore];
  if (delayMs === undefined) return { action: 'park', attempts, reason: 'exhausted' };
  return { action: 'retry', attempts, delayMs };
}

import { parseDuration } from '@pipeline/core';

/**
 * Reads `--since`: a duration back from `now` (`6h`, `3d`) or an ISO 8601 date or time
 * (`2026-05-01`, `2026-05-01T12:00:00Z`). Undefined when it is neither.
 */
export function parseSince(value: string, now: Date): Date | undefined {
  const text = value.trim();
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

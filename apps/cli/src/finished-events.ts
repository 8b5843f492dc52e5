import { findFinishedEventIds, type Pool } from '@pipeline/db';

/** Ids per query, so a file of a million events never becomes one giant array parameter. */
const chunkSize = 1_000;

/** Which of `ids` the workers already finished (processed, ignored or stale). */
export async function findFinished(pool: Pool, ids: readonly string[]): Promise<Set<string>> {
  const finished = new Set<string>();
  for (let start = 0; start < ids.length; start += chunkSize) {
    for (const id of await findFinishedEventIds(pool, ids.slice(start, start + chunkSize))) finished.add(id);
  }
  return finished;
}

import type { WorkQueueSender } from '@pipeline/broker';
import type { Pool } from 'pg';
import { deleteParkedEvents, type ParkedEventRecord } from './parked-events.ts';

/** What became of one batch of parked events sent back to the work queue. */
export interface ReplayedBatch {
  /** The rows whose copy the broker confirmed, now deleted from parked_events. */
  readonly replayed: ParkedEventRecord[];
  /** The first failure of a copy, when one failed (its row, and any unsent, stay parked). */
  readonly failure: Error | undefined;
}

/**
 * Sends a batch of parked events back to the work queue together (one confirm round trip
 * per batch, not per event) and deletes each row only once its own copy is confirmed. A
 * kill between a confirm and the delete leaves the event both parked and queued; the
 * worker's ledger skips the second copy. `beforeEach` may pace the sends, or stop the
 * batch early by returning false. Shared by the CLI's `dead-letters replay` and the console.
 */
export async function replayParkedBatch(
  pool: Pool,
  sender: Pick<WorkQueueSender, 'send'>,
  batch: readonly ParkedEventRecord[],
  beforeEach: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<ReplayedBatch> {
  const sent: Array<{ parked: ParkedEventRecord; confirmed: Promise<void> }> = [];
  for (const parked of batch) {
    if (!(await beforeEach())) break;
    sent.push({ parked, confirmed: sender.send(parked, new Date()) });
  }
  const outcomes = await Promise.allSettled(sent.map(({ confirmed }) => confirmed));
  const replayed = sent.filter((_, index) => outcomes[index]?.status === 'fulfilled').map(({ parked }) => parked);
  await deleteParkedEvents(
    pool,
    replayed.map((parked) => parked.id),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  const reason: unknown = failed?.reason;
  return { replayed, failure: failed === undefined ? undefined : reason instanceof Error ? reason : new Error(String(reason)) };
}

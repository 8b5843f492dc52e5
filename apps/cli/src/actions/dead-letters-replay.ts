import { CliError } from '../cli-error.ts';
import { withConfirmedSelection, type BulkOptions } from '../dead-letters/confirmed-selection.ts';
import type { DeadQueue, HeldMessage } from '../dead-letters/dead-queue.ts';
import { countInto, formatCounts, plural } from '../format.ts';
import { interruptedExitCode, watchInterruption } from '../interruption.ts';
import type { CliIo } from '../io.ts';
import { createPacer } from '../pacer.ts';
import { startProgress } from '../progress.ts';

export interface DeadLettersReplayOptions extends BulkOptions {
  readonly rate?: number;
}

/** Replays `matching` in order, paced; stops early on Ctrl-C or a failure, and says how far it got. */
async function replayInOrder(io: CliIo, queue: DeadQueue, matching: readonly HeldMessage[], perSecond: number | undefined): Promise<void> {
  const { deadQueue, workQueue } = queue.names;
  const pacer = createPacer(perSecond);
  const interruption = watchInterruption();
  const progress = startProgress(io.stderr, 'replaying', matching.length);
  const byType = new Map<string, number>();
  let replayed = 0;
  try {
    for (const held of matching) {
      if (interruption.requested) break;
      try {
        await pacer.next(interruption.signal);
      } catch {
        break; // interrupted while waiting for the next slot
      }
      await queue.replay(held, new Date());
      replayed += 1;
      countInto(byType, held.parked.type ?? '?');
      progress.tick();
    }
  } catch (err: unknown) {
    throw new CliError('REPLAY_STOPPED', `replay stopped after ${replayed} of ${matching.length}; the rest are still in ${deadQueue}`, { cause: err });
  } finally {
    progress.stop();
    interruption.dispose();
    io.print(`replayed ${plural(replayed, 'message')} from ${deadQueue} to ${workQueue}`);
    for (const line of formatCounts(byType)) io.print(line);
  }
  if (replayed < matching.length) {
    throw new CliError('INTERRUPTED', `interrupted after ${replayed} of ${matching.length}; the rest are still in ${deadQueue}`, { exitCode: interruptedExitCode });
  }
}

/**
 * Sends matching parked messages back to the work queue, one at a time, each removed from
 * the dead queue only after the broker confirmed its copy: an interruption at any point
 * loses nothing, and at worst leaves one event in both queues (the worker skips the second).
 */
export async function runDeadLettersReplay(io: CliIo, options: DeadLettersReplayOptions): Promise<void> {
  const wording = {
    action: 'replay parked messages',
    dryRun: (messages: string, names: { deadQueue: string; workQueue: string }) => `dry run: would replay ${messages} from ${names.deadQueue} to ${names.workQueue}`,
    question: (messages: string, names: { deadQueue: string; workQueue: string }) => `Replay ${messages} from ${names.deadQueue} to ${names.workQueue}?`,
    declined: 'nothing replayed',
  };
  await withConfirmedSelection(io, options, wording, (queue, matching) => replayInOrder(io, queue, matching, options.rate));
}

import { CliError } from '../cli-error.ts';
import { brokerSettings, loadConfig } from '../config.ts';
import { confirm, ensureConfirmable } from '../confirm.ts';
import { openDeadQueue, type DeadQueue, type HeldMessage } from '../dead-letters/dead-queue.ts';
import { makeDeadLetterMatcher } from '../dead-letters/filter.ts';
import { filterFromOptions, type FilterOptions } from '../dead-letters/filter-options.ts';
import { parkedMessageTable } from '../dead-letters/parked-table.ts';
import { countInto, formatCounts, plural } from '../format.ts';
import { interruptedExitCode, watchInterruption } from '../interruption.ts';
import type { CliIo } from '../io.ts';
import { createPacer } from '../pacer.ts';
import { startProgress } from '../progress.ts';

export interface DeadLettersReplayOptions extends FilterOptions {
  readonly rate?: number;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
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
  const dryRun = options.dryRun === true;
  ensureConfirmable(io, { yes: options.yes === true, dryRun }, 'replay parked messages');
  const config = loadConfig(brokerSettings, io.env);
  const queue = await openDeadQueue({ url: config.RABBITMQ_URL, prefix: config.TOPOLOGY_PREFIX });
  const { deadQueue, workQueue } = queue.names;
  try {
    const { matching } = await queue.scan(makeDeadLetterMatcher(filterFromOptions(options), new Date()), options.limit);
    if (matching.length === 0) {
      io.print(`no parked message in ${deadQueue} matches`);
      return;
    }
    if (dryRun) {
      for (const line of parkedMessageTable(matching.map((held) => held.parked))) io.print(line);
      io.print(`dry run: would replay ${plural(matching.length, 'message')} from ${deadQueue} to ${workQueue}`);
      return;
    }
    if (options.yes !== true && !(await confirm(io, `Replay ${plural(matching.length, 'message')} from ${deadQueue} to ${workQueue}?`))) {
      io.print('nothing replayed');
      return;
    }
    await replayInOrder(io, queue, matching, options.rate);
  } finally {
    await queue.close();
  }
}

import { replayParkedBatch } from '@pipeline/db';
import { CliError } from '../../cli-error.ts';
import { brokerSettings, loadConfig } from '../../config.ts';
import { withConfirmedSelection, type BulkOptions, type Selection } from '../../dead-letters/confirmed-selection.ts';
import { parkedPages, parkedTable } from '../../dead-letters/parked-pages.ts';
import { openWorkQueueSender, type WorkQueueSender } from '../../dead-letters/work-queue-sender.ts';
import { countInto, formatCounts, plural } from '../../format.ts';
import { interruptedExitCode, watchInterruption } from '../../interruption.ts';
import type { CliIo } from '../../io.ts';
import { createPacer } from '../../pacer.ts';
import { startProgress } from '../../progress.ts';

export interface DeadLettersReplayOptions extends BulkOptions {
  readonly rate?: number;
}

/** Replays the selection page by page in parking order, paced; stops early on Ctrl-C or a failure, and says how far it got. */
async function replayInOrder(io: CliIo, sender: WorkQueueSender, selection: Selection, perSecond: number | undefined): Promise<void> {
  const { workQueue } = sender.names;
  const pacer = createPacer(perSecond);
  const interruption = watchInterruption();
  const progress = startProgress(io.stderr, 'replaying', selection.total);
  const byType = new Map<string, number>();
  let replayed = 0;
  try {
    // The selection was counted before the prompt: replay no more than was agreed.
    pages: for await (const page of parkedPages(selection.pool, selection.filter, selection.total)) {
      const pacing = { stopped: false };
      const { replayed: done, failure } = await replayParkedBatch(selection.pool, sender, page, async () => {
        if (interruption.requested) return false;
        try {
          await pacer.next(interruption.signal);
          return true;
        } catch {
          pacing.stopped = true; // interrupted while waiting for the next slot
          return false;
        }
      });
      for (const parked of done) {
        replayed += 1;
        countInto(byType, parked.type ?? '?');
        progress.tick();
      }
      if (failure !== undefined) throw failure;
      if (pacing.stopped || interruption.requested || done.length < page.length) break pages;
    }
  } catch (err: unknown) {
    throw new CliError('REPLAY_STOPPED', `replay stopped after ${replayed} of ${selection.total}; the rest are still in ${parkedTable}`, { cause: err });
  } finally {
    progress.stop();
    interruption.dispose();
    io.print(`replayed ${plural(replayed, 'message')} from ${parkedTable} to ${workQueue}`);
    for (const line of formatCounts(byType)) io.print(line);
  }
  if (replayed < selection.total && interruption.requested) {
    throw new CliError('INTERRUPTED', `interrupted after ${replayed} of ${selection.total}; the rest are still in ${parkedTable}`, { exitCode: interruptedExitCode });
  }
}

/**
 * Sends matching parked events back to the work queue, one at a time, with their exact
 * body and properties (minus the failure), each row deleted only after the broker confirmed
 * its copy: an interruption at any point loses nothing, and at worst leaves one event both
 * parked and queued (the worker skips the second).
 */
export async function runDeadLettersReplay(io: CliIo, options: DeadLettersReplayOptions): Promise<void> {
  const wording = {
    action: 'replay parked messages',
    dryRun: (messages: string) => `dry run: would replay ${messages} from ${parkedTable} to the work queue`,
    question: (messages: string) => `Replay ${messages} from ${parkedTable} to the work queue?`,
    declined: 'nothing replayed',
  };
  await withConfirmedSelection(io, options, wording, async (selection) => {
    const config = loadConfig(brokerSettings, io.env);
    const sender = await openWorkQueueSender({ url: config.RABBITMQ_URL, prefix: config.TOPOLOGY_PREFIX });
    try {
      await replayInOrder(io, sender, selection, options.rate);
    } finally {
      await sender.close();
    }
  });
}

import { topologyNames } from '@pipeline/broker';
import type { EventToPublish } from './event-file.ts';
import type { CliIo } from './io.ts';
import { watchInterruption } from './interruption.ts';
import { startProgress } from './progress.ts';
import { publishEvents } from './publish-events.ts';
import { reportPublishing } from './publish-summary.ts';
import { openPublisher } from './publisher-session.ts';

export interface PublishRunOptions {
  /** Events per second; default as fast as the broker confirms. */
  readonly rate?: number | undefined;
  /** Events left out before publishing, and why (`2 already finished`). */
  readonly skipped: number;
  readonly skippedDetail: string;
}

/**
 * The publishing half of `replay` and `reconcile`: connects the pipeline's publisher,
 * publishes with a progress bar (Ctrl-C stops after the events in flight), prints the
 * summary, and throws when the run did not finish.
 */
export async function publishAndReport(
  io: CliIo,
  broker: { readonly RABBITMQ_URL: string; readonly TOPOLOGY_PREFIX: string; readonly LOG_LEVEL: string },
  events: readonly EventToPublish[],
  options: PublishRunOptions,
): Promise<void> {
  const publisher = await openPublisher({ url: broker.RABBITMQ_URL, prefix: broker.TOPOLOGY_PREFIX, logLevel: broker.LOG_LEVEL });
  const interruption = watchInterruption();
  const progress = startProgress(io.stderr, 'publishing', events.length);
  try {
    const report = await publishEvents(publisher, events, { progress, interruption, rate: options.rate });
    progress.stop();
    reportPublishing(io, {
      ...report,
      skipped: options.skipped,
      skippedDetail: options.skippedDetail,
      planned: events.length,
      interrupted: interruption.requested,
      exchange: topologyNames(broker.TOPOLOGY_PREFIX).exchange,
    });
  } finally {
    progress.stop();
    interruption.dispose();
    await publisher.close();
  }
}

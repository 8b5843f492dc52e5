import { eventMessageProperties, routingKeyOf, type Publisher } from '@pipeline/broker';
import { forEachConcurrently } from './concurrently.ts';
import type { EventToPublish } from './event-file.ts';
import type { Interruption } from './interruption.ts';
import { createPacer } from './pacer.ts';
import type { Progress } from './progress.ts';

export interface PublishReport {
  readonly sent: EventToPublish[];
  readonly failed: Array<{ readonly event: EventToPublish; readonly error: unknown }>;
}

export interface PublishEventsOptions {
  readonly progress: Progress;
  readonly interruption: Interruption;
  /** Events per second; default as fast as the broker confirms. */
  readonly rate?: number | undefined;
  /** Publishes waiting for their confirm at once; default 16. */
  readonly window?: number;
}

/**
 * Publishes each event to the events exchange as the ingest would (same routing key and
 * properties, body as given) and waits for the broker's confirm. A failed event is
 * reported, not retried; an interruption stops before the next event.
 */
export async function publishEvents(publisher: Publisher, events: readonly EventToPublish[], options: PublishEventsOptions): Promise<PublishReport> {
  const sent: EventToPublish[] = [];
  const failed: Array<{ event: EventToPublish; error: unknown }> = [];
  const pacer = createPacer(options.rate);
  const { interruption, progress } = options;
  await forEachConcurrently(
    events,
    options.rate === undefined ? (options.window ?? 16) : 1,
    async (event) => {
      await pacer.next(interruption.signal).catch(() => undefined);
      if (interruption.requested) return;
      try {
        await publisher.publishConfirmed(routingKeyOf(event.envelope), event.body, eventMessageProperties(event.envelope));
        sent.push(event);
      } catch (err: unknown) {
        failed.push({ event, error: err });
      }
      progress.tick();
    },
    () => interruption.requested,
  );
  return { sent, failed };
}

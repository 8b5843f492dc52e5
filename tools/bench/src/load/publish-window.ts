import { performance } from 'node:perf_hooks';
import type { ConfirmChannel, Options } from 'amqplib';

/** One message to publish. */
export interface OutgoingMessage {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly properties: Options.Publish;
}

export interface PublishWindowOptions {
  /** Publishes awaiting their confirm at any moment. */
  readonly window: number;
  /** Whether to publish another one, given how many were published so far. */
  readonly more: (published: number) => boolean;
  readonly message: (index: number) => OutgoingMessage;
  /** Called with each confirmed publish's round trip, in ms. */
  readonly onConfirm?: (latencyMs: number) => void;
}

/** How a windowed publish went. */
export interface PublishWindowResult {
  readonly confirmed: number;
  readonly nacked: number;
  readonly elapsedS: number;
}

/**
 * Publishes with confirms, keeping `window` publishes in flight: each confirm starts the
 * next publish. With window 1 it is the strict publish-wait-publish loop.
 */
export function publishWindowed(channel: ConfirmChannel, options: PublishWindowOptions): Promise<PublishWindowResult> {
  const startedAt = performance.now();
  let published = 0;
  let inFlight = 0;
  let confirmed = 0;
  let nacked = 0;
  return new Promise((resolve, reject) => {
    const publishNext = (): void => {
      if (!options.more(published)) {
        if (inFlight === 0) resolve({ confirmed, nacked, elapsedS: (performance.now() - startedAt) / 1000 });
        return;
      }
      const message = options.message(published);
      published += 1;
      inFlight += 1;
      const sentAt = performance.now();
      try {
        channel.publish(message.exchange, message.routingKey, message.content, message.properties, (err: unknown) => {
          inFlight -= 1;
          if (err) nacked += 1;
          else {
            confirmed += 1;
            options.onConfirm?.(performance.now() - sentAt);
          }
          publishNext();
        });
      } catch (err: unknown) {
        reject(new Error('publish failed', { cause: err }));
      }
    };
    for (let i = 0; i < options.window; i += 1) publishNext();
  });
}

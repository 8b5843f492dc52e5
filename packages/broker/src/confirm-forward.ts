import type { ConfirmChannel, Options } from 'amqplib';
import { PublishError } from '@pipeline/core';
import type { ReturnTracker } from './return-tracker.ts';

/** What a caller may want to hear about one publish besides its outcome. */
export interface PublishHooks {
  /**
   * The channel's write buffer is full (`publish` returned false). The message is still in
   * the buffer and will be confirmed or failed; a caller may refuse further publishes until
   * the channel's `drain`.
   */
  readonly onBufferFull?: () => void;
  /** No confirm came within the timeout (called after the promise rejected). */
  readonly onTimeout?: () => void;
}

/**
 * The one confirm-publish primitive: the ingest's publisher, the worker's forwards to the
 * retry and dead queues and the CLI's replay all publish through it.
 *
 * Publishes on a confirm channel, mandatory and persistent, and resolves once the broker
 * confirmed the message as routed and stored; rejects with a PublishError when it was
 * returned (UNROUTABLE: no queue bound), nacked (NOT_CONFIRMED), the channel was closed
 * (BROKER_UNAVAILABLE), or no confirm came within `timeoutMs` (CONFIRM_TIMEOUT).
 * `returns` tracks the channel's `basic.return`s, which arrive before the confirm.
 */
export function publishAndConfirm(
  channel: ConfirmChannel,
  returns: ReturnTracker,
  target: { exchange: string; routingKey: string },
  content: Buffer,
  options: Options.Publish & { messageId: string },
  timeoutMs: number,
  hooks: PublishHooks = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    function finish(err?: Error): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    }
    const timer = setTimeout(() => {
      finish(new PublishError('CONFIRM_TIMEOUT', `no broker confirm within ${timeoutMs} ms`));
      hooks.onTimeout?.();
    }, timeoutMs);
    try {
      const accepted = channel.publish(target.exchange, target.routingKey, content, { ...options, mandatory: true, persistent: true }, (err: unknown) => {
        if (returns.takeReturn(options.messageId)) finish(new PublishError('UNROUTABLE', `nothing is bound to ${target.exchange || '(default exchange)'} for ${target.routingKey}`));
        else if (err) finish(new PublishError('NOT_CONFIRMED', 'broker did not confirm the message', { cause: err }));
        else finish();
      });
      if (!accepted) hooks.onBufferFull?.();
    } catch (err: unknown) {
      finish(new PublishError('BROKER_UNAVAILABLE', 'publish failed on a closed channel', { cause: err }));
    }
  });
}

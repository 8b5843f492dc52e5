import type { ConfirmChannel, Options } from 'amqplib';
import { PublishError } from '@pipeline/core';
import type { ReturnTracker } from './return-tracker.ts';

/**
 * Publishes on a confirm channel and resolves once the broker confirmed the message as
 * routed and stored; rejects with a PublishError when it was returned (no queue bound),
 * nacked, the channel failed, or no confirm came within `timeoutMs`.
 * `returns` tracks the channel's `basic.return`s.
 */
export function publishAndConfirm(
  channel: ConfirmChannel,
  returns: ReturnTracker,
  target: { exchange: string; routingKey: string },
  content: Buffer,
  options: Options.Publish & { messageId: string },
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new PublishError('CONFIRM_TIMEOUT', `no broker confirm within ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      channel.publish(target.exchange, target.routingKey, content, { ...options, mandatory: true, persistent: true }, (err: unknown) => {
        clearTimeout(timer);
        if (returns.takeReturn(options.messageId)) reject(new PublishError('UNROUTABLE', `nothing is bound to ${target.exchange} for ${target.routingKey}`));
        else if (err) reject(new PublishError('NOT_CONFIRMED', 'broker did not confirm the message', { cause: err }));
        else resolve();
      });
    } catch (err: unknown) {
      clearTimeout(timer);
      reject(new PublishError('BROKER_UNAVAILABLE', 'publish failed on a closed channel', { cause: err }));
    }
  });
}

import type { Message } from 'amqplib';

/**
 * Remembers messages the broker returned as unroutable (`basic.return` arrives before the
 * confirm of the same message on the same channel), by message id. Counted, not a set:
 * the same event id may be in flight twice at once (Stripe retrying while the first
 * attempt still waits), and each return must fail exactly one confirm.
 */
export interface ReturnTracker {
  /** The channel's `return` listener (a plain function: pass it as it is). */
  readonly onReturn: (message: Message) => void;
  /** At confirm time: true (and forgotten) when this message id was returned. */
  readonly takeReturn: (messageId: string) => boolean;
}

/** A ReturnTracker for one channel. */
export function createReturnTracker(): ReturnTracker {
  const returned = new Map<string, number>();
  return {
    onReturn: (message) => {
      const id = message.properties.messageId as string | undefined;
      if (id !== undefined) returned.set(id, (returned.get(id) ?? 0) + 1);
    },
    takeReturn: (messageId) => {
      const count = returned.get(messageId) ?? 0;
      if (count === 0) return false;
      if (count === 1) returned.delete(messageId);
      else returned.set(messageId, count - 1);
      return true;
    },
  };
}

import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { createReturnTracker } from './return-tracker.ts';

const returnedMessage = (messageId: string) => ({ properties: { messageId } }) as unknown as Message;

describe('createReturnTracker', () => {
  it('fails one confirm per return, even when one id was published twice at once', () => {
    const tracker = createReturnTracker();
    tracker.onReturn(returnedMessage('evt_1'));
    tracker.onReturn(returnedMessage('evt_1'));
    expect([tracker.takeReturn('evt_1'), tracker.takeReturn('evt_1'), tracker.takeReturn('evt_1')]).toEqual([true, true, false]);
  });

  it('does not fail the confirm of a message that was not returned', () => {
    const tracker = createReturnTracker();
    tracker.onReturn(returnedMessage('evt_1'));
    expect(tracker.takeReturn('evt_2')).toBe(false);
    expect(tracker.takeReturn('evt_1')).toBe(true);
  });
});

import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { replayProperties } from './dead-queue.ts';

describe('replayProperties', () => {
  it('keeps the event properties and headers, drops the failure, adds x-replayed-at', () => {
    const message = {
      content: Buffer.from('{}'),
      fields: {},
      properties: {
        messageId: 'evt_1',
        type: 'invoice.paid',
        timestamp: 1_777_000_000,
        contentType: 'application/json',
        deliveryMode: 2,
        userId: undefined,
        headers: {
          endpoint: 'platform',
          livemode: false,
          'x-routing-key': 'platform.invoice.paid',
          'x-attempts': 7,
          'x-last-error': 'boom',
          'x-last-error-code': 'TRANSIENT',
          'x-parked-at': '2026-05-01T00:00:00.000Z',
          'x-death': [{ reason: 'delivery_limit' }],
          'x-first-death-reason': 'delivery_limit',
          'x-delivery-count': 3,
        },
      },
    } as unknown as Message;
    expect(replayProperties(message, new Date('2026-05-02T00:00:00.000Z'))).toEqual({
      persistent: true,
      mandatory: true,
      messageId: 'evt_1',
      type: 'invoice.paid',
      timestamp: 1_777_000_000,
      contentType: 'application/json',
      headers: { endpoint: 'platform', livemode: false, 'x-routing-key': 'platform.invoice.paid', 'x-replayed-at': '2026-05-02T00:00:00.000Z' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { replayProperties } from './replay-properties.ts';

describe('replayProperties', () => {
  it('keeps the event properties and headers, drops the failure, adds x-replayed-at', () => {
    const properties = {
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
          'x-park-reason': 'exhausted',
        },
    };
    expect(replayProperties(properties, new Date('2026-05-02T00:00:00.000Z'))).toEqual({
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

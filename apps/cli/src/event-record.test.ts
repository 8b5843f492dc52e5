import { describe, expect, it } from 'vitest';
import { formatEventRecord, invoiceIdOf } from './event-record.ts';

describe('event records', () => {
  it('finds the invoice an invoice command recorded in its effects', () => {
    expect(invoiceIdOf({ invoiceId: 'in_123', transfers: [] })).toBe('in_123');
    expect(invoiceIdOf({ invoice: 'in_456' })).toBe('in_456');
    expect(invoiceIdOf({ other: 'in_789' })).toBe('in_789');
    expect(invoiceIdOf({ customer: 'cus_1' })).toBeUndefined();
    expect(invoiceIdOf(null)).toBeUndefined();
  });

  it('shows every field and the effects as indented JSON', () => {
    const at = new Date('2026-05-01T00:00:00Z');
    const lines = formatEventRecord({
      id: 'evt_1',
      type: 'invoice.paid',
      endpoint: 'platform',
      account: null,
      livemode: false,
      eventCreated: at,
      outcome: 'processed',
      attempts: 2,
      lastError: 'Stripe timed out',
      effects: { invoiceId: 'in_1' },
      firstSeenAt: at,
      updatedAt: at,
    });
    expect(lines).toContain('outcome     processed');
    expect(lines).toContain('attempts    2');
    expect(lines).toContain('last error  Stripe timed out');
    expect(lines.join('\n')).toContain('effects\n  {\n    "invoiceId": "in_1"\n  }');
  });
});

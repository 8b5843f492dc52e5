import { describe, expect, it } from 'vitest';
import { buildEvent } from '@pipeline/stripe-events';
import { parseEventLines } from './event-file.ts';

const platformEvent = JSON.stringify(buildEvent({ type: 'invoice.paid' }));
const connectEvent = JSON.stringify(buildEvent({ type: 'account.updated', account: 'acct_1TestHost' }));

describe('parseEventLines', () => {
  it('reads one event a line, keeping the exact bytes and choosing the endpoint from `account`', () => {
    const events = parseEventLines(`${platformEvent}\r\n\n${connectEvent}\n`);
    expect(events.map((event) => [event.line, event.envelope.endpoint, event.envelope.account])).toEqual([
      [1, 'platform', undefined],
      [3, 'connect', 'acct_1TestHost'],
    ]);
    expect(events[0]?.body.toString()).toBe(platformEvent);
  });

  it('names the first bad line: not JSON', () => {
    expect(() => parseEventLines(`${platformEvent}\n{"id": "evt_1",\n`)).toThrow(/^line 2: not JSON/);
  });

  it('names the first bad line: JSON that is not a Stripe event', () => {
    expect(() => parseEventLines(`${platformEvent}\n${connectEvent}\n{"id":"evt_1","object":"event"}\n`)).toThrow(/^line 3: not a Stripe event/);
    expect(() => parseEventLines('[1,2]')).toThrow(/^line 1: not a Stripe event/);
  });
});

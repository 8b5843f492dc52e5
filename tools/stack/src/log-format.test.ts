import { describe, expect, it } from 'vitest';
import { lineFormatFor } from './log-format.ts';

const jsonLine = JSON.stringify({ level: 30, time: Date.UTC(2026, 11, 2, 1, 2, 3), pid: 42, hostname: 'box', name: 'worker', msg: 'consuming', queue: 'stripe.events' });

describe('the stack output format', () => {
  it('prettifies JSON log lines for a terminal: level, name and message, no pid or hostname', () => {
    const line = lineFormatFor({ isTTY: true }, false)(jsonLine);

    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(worker\): consuming$/m);
    expect(line).toContain('queue: "stripe.events"');
    expect(line).not.toContain('"level"');
    expect(line).not.toContain('hostname');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(lineFormatFor({ isTTY: true }, false)('(node:1) Warning: something')).toBe('(node:1) Warning: something');
  });

  it('keeps JSON when stdout is not a terminal', () => {
    expect(lineFormatFor({ isTTY: false })(jsonLine)).toBe(jsonLine);
    expect(lineFormatFor({})(jsonLine)).toBe(jsonLine);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@pipeline/testkit';
import { lineFormatFor } from './log-format.ts';
import { createSupervisor } from './supervisor.ts';

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

describe('the supervisor with the terminal format', () => {
  it("still finds a child's listening line, and prefixes each line of a prettified entry with the child's name", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stack-format-'));
    const entry = join(dir, 'child.mjs');
    await writeFile(
      entry,
      [
        "const log = (o) => process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), name: 'demo', ...o }) + '\\n');",
        "log({ msg: 'listening', url: 'http://127.0.0.1:1' });",
        "log({ msg: 'event processed', eventId: 'evt_demo' });",
        "process.on('SIGTERM', () => process.exit(0));",
        'setInterval(() => {}, 1000);',
      ].join('\n'),
    );
    let shown = '';
    const terminal = new Writable({
      write(chunk: Buffer, _encoding, done) {
        shown += chunk.toString();
        done();
      },
    });
    const supervisor = createSupervisor({ cwd: dir, stdout: terminal, stderr: terminal, format: lineFormatFor({ isTTY: true }, false), onUnexpectedExit: () => undefined });
    try {
      const started = await supervisor.start({ name: 'demo', entry, env: { PATH: process.env.PATH } });
      expect(started.url).toBe('http://127.0.0.1:1');
      await waitFor(() => (shown.includes('evt_demo') ? true : undefined), { timeoutMs: 10_000, what: `the child's second line: ${shown}` });
    } finally {
      await supervisor.stop(['demo']);
      await rm(dir, { recursive: true, force: true });
    }

    expect(shown).toMatch(/^demo +\| \[\d\d:\d\d:\d\d\.\d{3}\] INFO \(demo\): event processed$/m);
    expect(shown).toMatch(/^demo +\| {5}eventId: "evt_demo"$/m);
    expect(shown).not.toContain('{"level"');
  });
});

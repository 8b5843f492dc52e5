import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pipeline/core';
import { CliError } from './cli-error.ts';
import { errorLine, exitCodeOf, rootCause } from './report-error.ts';

describe('errorLine', () => {
  it('is one line with the causes that add something', () => {
    const err = new CliError('X', 'cannot reach the broker', { cause: new Error('connect ECONNREFUSED\n127.0.0.1:5672') });
    expect(errorLine(err)).toBe('error: cannot reach the broker: connect ECONNREFUSED 127.0.0.1:5672');
  });

  it('names bad variables from a ConfigError and exits 1', () => {
    const err = new ConfigError('invalid configuration: DATABASE_URL must be a postgres URL');
    expect(errorLine(err)).toBe('error: invalid configuration: DATABASE_URL must be a postgres URL');
    expect(exitCodeOf(err)).toBe(1);
    expect(exitCodeOf(new CliError('INTERRUPTED', 'stopped', { exitCode: 130 }))).toBe(130);
  });

  it("finds the reason inside a network AggregateError", () => {
    const err = new TypeError('fetch failed', { cause: new AggregateError([new Error('connect ECONNREFUSED ::1:3000')]) });
    expect(rootCause(err)).toBe('connect ECONNREFUSED ::1:3000');
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { durationList, parseDuration, parseEnv, port, secretList, urlWithScheme } from './config.ts';

const schema = z.object({ PORT: port.default(3000), SECRETS: secretList, DELAYS: durationList.default([1000]) });

describe('parseEnv', () => {
  it('applies defaults and parses lists', () => {
    const config = parseEnv(schema, { SECRETS: 'whsec_old, whsec_new', DELAYS: '5s,1m,1h' });
    expect(config).toEqual({ PORT: 3000, SECRETS: ['whsec_old', 'whsec_new'], DELAYS: [5_000, 60_000, 3_600_000] });
  });

  it('names every bad or missing variable without echoing its value', () => {
    let error: unknown;
    try {
      parseEnv(schema, { PORT: '70000', DELAYS: 'soon' });
    } catch (err: unknown) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT must be between 0 and 65535/);
    expect(message).toMatch(/SECRETS is required/);
    expect(message).toMatch(/DELAYS must be a comma-separated list of durations/);
    expect(message).not.toContain('soon');
  });

  it('says a variable that is set but not a number is bad, not missing', () => {
    expect(() => parseEnv(schema, { PORT: 'eighty', SECRETS: 'whsec_a' })).toThrow(/PORT must be a port number/);
  });

  it('rejects a secret list holding something that is not a signing secret', () => {
    expect(() => parseEnv(schema, { SECRETS: 'sk_test_123' })).toThrow(/SECRETS must hold secrets that start with whsec_/);
  });

  it('puts the right article before a URL scheme: an amqp, an http, a postgres (issue 15)', () => {
    const bad = (scheme: z.ZodType) => () => parseEnv(z.object({ URL: scheme }), { URL: 'ftp://example.invalid' });
    expect(bad(urlWithScheme('amqp', 'amqps'))).toThrow(/URL must be an amqp or amqps URL/);
    expect(bad(urlWithScheme('http', 'https'))).toThrow(/URL must be an http or https URL/);
    expect(bad(urlWithScheme('postgres', 'postgresql'))).toThrow(/URL must be a postgres or postgresql URL/);
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv(schema, { PORT: '', SECRETS: 'whsec_a' }).PORT).toBe(3000);
  });
});

describe('parseDuration', () => {
  it('reads each unit', () => {
    expect([parseDuration('250ms'), parseDuration('2s'), parseDuration('3m'), parseDuration('1h'), parseDuration('30d')]).toEqual([
      250, 2_000, 180_000, 3_600_000, 2_592_000_000,
    ]);
    expect(parseDuration('5 minutes')).toBeUndefined();
  });
});

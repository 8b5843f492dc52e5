import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pipeline/core';
import { loadConfig, longestStripeCallMs } from './config.ts';

const base = { STRIPE_SECRET_KEY: 'sk_test_fake_config_key' };

describe('worker database bounds', () => {
  it('defaults every database bound', () => {
    expect(loadConfig(base)).toMatchObject({
      DATABASE_CONNECT_TIMEOUT_MS: 5_000,
      DATABASE_STATEMENT_TIMEOUT_MS: 15_000,
      DATABASE_LOCK_TIMEOUT_MS: 10_000,
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 60_000,
      DATABASE_QUERY_TIMEOUT_MS: 20_000,
      DATABASE_KEEPALIVE_INITIAL_DELAY_MS: 10_000,
      WORKER_DATABASE_CHECK_INTERVAL_MS: 5_000,
    });
  });

  it('refuses an idle-in-transaction bound that a Stripe call with its retries could outlast', () => {
    expect(longestStripeCallMs(10_000, 1)).toBe(25_000);
    expect(() => loadConfig({ ...base, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '25000' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '25000' })).toThrow(/DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS must be longer than one Stripe call/);
    expect(loadConfig({ ...base, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '3000', STRIPE_API_TIMEOUT_MS: '1000', STRIPE_MAX_NETWORK_RETRIES: '0' }).DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS).toBe(3_000);
  });
});

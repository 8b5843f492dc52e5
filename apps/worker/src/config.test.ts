import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' };

describe('loadConfig', () => {
  it("takes the worker's mode from its key: sk_live_/rk_live_ are live, sk_test_/rk_test_ are test", () => {
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_fake_example' }).livemode).toBe(true);
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'rk_live_fake_example' }).livemode).toBe(true);
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_fake_example' }).livemode).toBe(false);
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'rk_test_fake_example' }).livemode).toBe(false);
  });

  it('accepts a STRIPE_LIVEMODE that agrees with the key', () => {
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_fake_example', STRIPE_LIVEMODE: 'live' }).livemode).toBe(true);
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_fake_example', STRIPE_LIVEMODE: 'test' }).livemode).toBe(false);
  });

  it('refuses a STRIPE_LIVEMODE that disagrees with the key, naming the variable and never the key', () => {
    const testKeyLiveMode = () => loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_fake_example', STRIPE_LIVEMODE: 'live' });
    expect(testKeyLiveMode).toThrow(/STRIPE_LIVEMODE is live but STRIPE_SECRET_KEY is a test-mode key/);
    expect(testKeyLiveMode).not.toThrow(/sk_test_fake_example/);
    expect(() => loadConfig({ ...base, STRIPE_SECRET_KEY: 'rk_live_fake_example', STRIPE_LIVEMODE: 'test' })).toThrow(
      /STRIPE_LIVEMODE is test but STRIPE_SECRET_KEY is a live-mode key/,
    );
  });

  it("refuses STRIPE_LIVEMODE=both for a worker, whose mode is its one key's", () => {
    expect(() => loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_fake_example', STRIPE_LIVEMODE: 'both' })).toThrow(/STRIPE_LIVEMODE must be live or test/);
  });

  it('refuses a live key with a non-https STRIPE_API_BASE, such as the local emulator', () => {
    for (const apiBase of ['http://stripe-emulator:12111', 'http://127.0.0.1:12111', 'http://api.stripe.com']) {
      expect(() => loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_fake_example', STRIPE_API_BASE: apiBase })).toThrow(
        /STRIPE_API_BASE must be an https URL when STRIPE_SECRET_KEY is a live-mode key/,
      );
    }
    expect(() => loadConfig({ ...base, STRIPE_SECRET_KEY: 'rk_live_fake_example', STRIPE_API_BASE: 'http://stripe-emulator:12111' })).toThrow(/STRIPE_API_BASE must be an https URL/);
  });

  it("accepts a live key with Stripe's own API, and a test key with an http emulator", () => {
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_fake_example' }).STRIPE_API_BASE).toBe('https://api.stripe.com');
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_fake_example', STRIPE_API_BASE: 'https://stripe-proxy.internal' }).livemode).toBe(true);
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_fake_example', STRIPE_API_BASE: 'http://stripe-emulator:12111' }).livemode).toBe(false);
  });
});

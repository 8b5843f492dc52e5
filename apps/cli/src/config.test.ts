import { describe, expect, it } from 'vitest';
import { databaseSettings, ingestSettings, loadConfig, stripeApiSettings } from './config.ts';

describe('loadConfig', () => {
  it('refuses a live key with a non-https STRIPE_API_BASE, naming the variables and never the key', () => {
    const load = () => loadConfig(stripeApiSettings, { STRIPE_SECRET_KEY: 'rk_live_fake_cli_example', STRIPE_API_BASE: 'http://127.0.0.1:12111' });
    expect(load).toThrow(/STRIPE_API_BASE must be an https URL when STRIPE_SECRET_KEY is a live-mode key/);
    expect(load).not.toThrow(/rk_live_fake_cli_example/);
  });

  it("takes a live key with Stripe's own API and a test key with the emulator", () => {
    expect(loadConfig(stripeApiSettings, { STRIPE_SECRET_KEY: 'sk_live_fake_cli_example' }).STRIPE_API_BASE).toBe('https://api.stripe.com');
    expect(loadConfig(stripeApiSettings, { STRIPE_SECRET_KEY: 'sk_test_fake_cli_example', STRIPE_API_BASE: 'http://127.0.0.1:12111' }).STRIPE_API_BASE).toBe('http://127.0.0.1:12111');
  });

  it('checks nothing about keys for commands that use no Stripe key', () => {
    expect(loadConfig({ ...databaseSettings, ...ingestSettings }, {}).INGEST_URL).toBe('http://127.0.0.1:3000');
  });
});

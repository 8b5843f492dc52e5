import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('falls back to the fake example secrets and says which ones it used', () => {
    const config = loadConfig({ STRIPE_WEBHOOK_SECRET_CONNECT: 'whsec_test_a, whsec_test_b' });
    expect(config.STRIPE_WEBHOOK_SECRET_PLATFORM).toBe('whsec_local_platform_example');
    expect(config.STRIPE_WEBHOOK_SECRET_CONNECT).toBe('whsec_test_a,whsec_test_b');
    expect(config.exampleSecretsInUse).toEqual(['STRIPE_WEBHOOK_SECRET_PLATFORM']);
  });

  it("uses PRODUCT.md's defaults and the stack's own", () => {
    expect(loadConfig({})).toMatchObject({
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      STRIPE_SECRET_KEY: 'sk_test_local_example',
      INGEST_PORT: 3000,
      EMULATOR_PORT: 12111,
      WORKERS: 2,
      WORKER_METRICS_PORT: 9464,
      STACK_CONTAINERS: 'auto',
    });
  });

  it('names each bad variable', () => {
    const load = () => loadConfig({ WORKERS: '0', INGEST_PORT: '70000', STRIPE_SECRET_KEY: 'pk_test_x' });
    expect(load).toThrow(/WORKERS must be positive/);
    expect(load).toThrow(/INGEST_PORT must be between 0 and 65535/);
    expect(load).toThrow(/STRIPE_SECRET_KEY must be a Stripe secret/);
    expect(load).not.toThrow(/pk_test_x/);
  });

  it('refuses a live-mode key, since the stack sends the workers to its emulator over http', () => {
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_live_local_example' })).toThrow(/STRIPE_SECRET_KEY must be a test-mode key/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'rk_live_local_example' })).toThrow(/STRIPE_SECRET_KEY must be a test-mode key/);
    expect(loadConfig({ STRIPE_SECRET_KEY: 'rk_test_local_example' }).STRIPE_SECRET_KEY).toBe('rk_test_local_example');
  });

  it('refuses worker ports that would run past 65535', () => {
    expect(() => loadConfig({ WORKER_METRICS_PORT: '65535', WORKERS: '2' })).toThrow(/WORKER_METRICS_PORT leaves no port for the last worker/);
    expect(loadConfig({ WORKER_METRICS_PORT: '0', WORKERS: '8' }).WORKER_METRICS_PORT).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { formatBanner } from './banner.ts';
import { loadConfig } from './config.ts';
import type { Services } from './ensure-services.ts';
import type { RunningStack } from './stack.ts';

const services: Services = {
  rabbitmqUrl: 'amqp://pipeline:s3cret@127.0.0.1:5672',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  containers: [],
  stop: () => Promise.resolve(),
};

function running(ingestUrl: string): RunningStack {
  return {
    ingest: { name: 'ingest', pid: 1, url: ingestUrl, metricsUrl: 'http://127.0.0.1:9463' },
    emulator: { name: 'stripe-emulator', pid: 2, url: 'http://127.0.0.1:12111' },
    workers: [
      { name: 'worker-1', pid: 3, url: 'http://127.0.0.1:9464' },
      { name: 'worker-2', pid: 4, url: 'http://127.0.0.1:9465' },
    ],
  };
}

describe('formatBanner', () => {
  it('shows the example secrets in use and a trigger command that uses them', () => {
    const banner = formatBanner(loadConfig({}), services, running('http://127.0.0.1:3000'));
    expect(banner).toContain('STRIPE_WEBHOOK_SECRET_PLATFORM=whsec_local_platform_example');
    expect(banner).toContain(
      '  export STRIPE_WEBHOOK_SECRET_PLATFORM=whsec_local_platform_example STRIPE_WEBHOOK_SECRET_CONNECT=whsec_local_connect_example STRIPE_SECRET_KEY=sk_test_local_example STRIPE_API_BASE=http://127.0.0.1:12111\n',
    );
    expect(banner).toContain('  npm run cli -- trigger customer.subscription.created');
    expect(banner).toContain('stripe listen --forward-to localhost:3000/webhooks/platform --forward-connect-to localhost:3000/webhooks/connect');
    expect(banner).toContain('worker-2          http://127.0.0.1:9465/readyz');
  });

  it('shows the ingest\'s metrics on their own listener, not on the webhook port', () => {
    const banner = formatBanner(loadConfig({}), services, running('http://127.0.0.1:3000'));
    expect(banner).toContain('GET  http://127.0.0.1:9463/metrics');
    expect(banner).not.toContain('http://127.0.0.1:3000/metrics');
    expect(banner).not.toMatch(/:3000\/healthz.*\/metrics/);
  });

  it('never prints real secrets or passwords, and points the CLI at an ingest on another port', () => {
    const config = loadConfig({ STRIPE_WEBHOOK_SECRET_PLATFORM: 'whsec_real_one', STRIPE_WEBHOOK_SECRET_CONNECT: 'whsec_real_two', STRIPE_SECRET_KEY: 'sk_test_real_three' });
    const banner = formatBanner(config, services, running('http://127.0.0.1:4000'));
    expect(banner).not.toMatch(/whsec_real|s3cret|sk_test_real/);
    expect(banner).toContain('amqp://pipeline:***@127.0.0.1:5672');
    expect(banner).toContain('  export STRIPE_API_BASE=http://127.0.0.1:12111 INGEST_URL=http://127.0.0.1:4000\n');
    expect(banner).toContain('  and your own RABBITMQ_URL (not shown: it holds a password)');
  });

  it('exports a database, broker and prefix other than the CLI\'s defaults, so the CLI reads the same ones', () => {
    const config = loadConfig({ TOPOLOGY_PREFIX: 'demo.' });
    const local = { ...services, rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672', databaseUrl: 'postgres://postgres@127.0.0.1:5432/demo' };
    const banner = formatBanner(config, local, running('http://127.0.0.1:3000'));
    expect(banner).toMatch(/ TOPOLOGY_PREFIX=demo\. DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:5432\/demo\n/);
    expect(banner).not.toContain('RABBITMQ_URL=');
  });
});

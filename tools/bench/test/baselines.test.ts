import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { declareTopology } from '@pipeline/broker';
import { createTestBroker, createTestDatabase, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import { startBareFastify } from '../src/baselines/baseline-servers.ts';
import { measureConfirmLoop } from '../src/baselines/confirm-loop.ts';
import { measureDedupInsert } from '../src/baselines/pg-dedup.ts';
import { runPacedLoad } from '../src/load/paced-load.ts';
import { createPayloadPool } from '../src/load/payload-pool.ts';
import { runSaturationLoad } from '../src/load/saturation-load.ts';
import type { AppProcess } from '../src/system/app-process.ts';
import { watchResources } from '../src/system/resource-watch.ts';

const services = inject('services');
let broker: TestBroker;
let db: TestDatabase;
let fastify: AppProcess;
const payloads = createPayloadPool({ secret: 'whsec_test_platform_bench_smoke', size: 10 });

beforeAll(async () => {
  [broker, db, fastify] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase), startBareFastify('dist')]);
  await declareTopology(broker.channel, broker.names);
});

afterAll(async () => {
  await fastify.stop();
  await Promise.all([broker.cleanup(), db.drop()]);
});

describe('baselines', () => {
  it('counts only publishes the broker confirmed into the quorum work queue', async () => {
    const result = await measureConfirmLoop({ rabbitmqUrl: services.rabbitmqUrl, names: broker.names, window: 4, durationS: 0.3 });
    expect(result.confirmed).toBeGreaterThan(0);
    expect(result.latency.count).toBe(result.confirmed);
    expect(await broker.depth(broker.names.workQueue)).toBe(result.confirmed);
  });

  it('commits one stripe_events row per dedup transaction it counts', async () => {
    const result = await measureDedupInsert({ databaseUrl: db.url, concurrency: 4, durationS: 0.3 });
    const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM stripe_events WHERE outcome = 'processed'`);
    expect(result.transactions).toBeGreaterThan(0);
    expect(Number(rows[0]?.n)).toBe(result.transactions);
  });
});

describe('load generators against the bare Fastify baseline', () => {
  it('posts signed events at saturation and records every 200', async () => {
    const result = await runSaturationLoad({ url: `${fastify.url}/webhooks/platform`, connections: 2, durationS: 1, next: () => payloads.next() });
    expect(result.ok).toBeGreaterThan(0);
    expect(result.non2xx + result.errors).toBe(0);
    expect(result.latency.count).toBe(result.ok);
  });

  it('sends exactly rate × duration requests on schedule, and watches the server process', async () => {
    const watch = watchResources({ processes: { 'bare-fastify': fastify.pid } });
    const result = await runPacedLoad({ url: `${fastify.url}/webhooks/platform`, ratePerS: 100, durationS: 0.5, delivery: () => payloads.next() });
    const use = watch.stop();
    expect(result.ok).toBe(50);
    expect(result.durationS).toBeGreaterThanOrEqual(0.49);
    expect(use.memory['bare-fastify']?.maxRssMiB).toBeGreaterThan(10);
    expect(use.cpu['bare-fastify']).toBeGreaterThanOrEqual(0);
  });
});

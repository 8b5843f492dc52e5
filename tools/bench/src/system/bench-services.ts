import { randomBytes } from 'node:crypto';
import { declareTopology } from '@pipeline/broker';
import { createPool, migrate, type Pool } from '@pipeline/db';
import { adminQuery, createTestBroker, databaseUrlFor, randomTopologyPrefix, type TestBroker } from '@pipeline/testkit';

/**
 * The worker's retry delays, passed to it explicitly (they equal its defaults) so the
 * bench knows which delay queues the worker declares and can delete them afterwards.
 */
export const workerRetryDelays = { env: '5s,30s,2m,10m,30m,1h', ms: [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000] } as const;

/** The broker topology and the database of one bench run, both made for it and removed after it. */
export interface BenchServices {
  readonly rabbitmqUrl: string;
  /** URL of the bench's own fresh, migrated database. */
  readonly databaseUrl: string;
  readonly databaseName: string;
  /** TOPOLOGY_PREFIX of every exchange and queue the run uses. */
  readonly prefix: string;
  readonly broker: TestBroker;
  /** A small pool on the bench database, for counting rows and resetting tables. */
  readonly pool: Pool;
  readonly versions: { readonly rabbitmq: string; readonly postgresql: string };
  /** Empties the work queue (messages left by a load run). */
  purgeWorkQueue(): Promise<void>;
  /** Empties the tables the worker writes. */
  resetTables(): Promise<void>;
  /** Deletes the topology, drops the database. Safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * Creates a database from scratch and migrates it, and declares the whole topology under a
 * random prefix, so the bench never touches real queues or data.
 */
export async function prepareServices(options: { rabbitmqUrl: string; databaseUrl: string }): Promise<BenchServices> {
  const databaseName = `bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(options.databaseUrl, `CREATE DATABASE ${databaseName}`);
  const databaseUrl = databaseUrlFor(options.databaseUrl, databaseName);
  let broker: TestBroker | undefined;
  let pool: Pool | undefined;
  let cleaned = false;
  async function cleanup(): Promise<void> {
    if (cleaned) return;
    cleaned = true;
    await pool?.end().catch(() => undefined);
    await broker?.cleanup([...workerRetryDelays.ms]);
    await adminQuery(options.databaseUrl, `DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  }
  try {
    await migrate(databaseUrl);
    broker = await createTestBroker(options.rabbitmqUrl, randomTopologyPrefix());
    await declareTopology(broker.channel, broker.names, workerRetryDelays.ms);
    pool = createPool({ url: databaseUrl, max: 2, applicationName: 'bench' });
    const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
    const serverProperties = (broker.connection as unknown as { connection?: { serverProperties?: { version?: string } } }).connection?.serverProperties;
    const versions = { rabbitmq: serverProperties?.version ?? 'unknown', postgresql: rows[0]?.server_version ?? 'unknown' };
    const ready = { broker, pool };
    return {
      rabbitmqUrl: options.rabbitmqUrl,
      databaseUrl,
      databaseName,
      prefix: broker.prefix,
      broker,
      pool,
      versions,
      async purgeWorkQueue() {
        await ready.broker.channel.purgeQueue(ready.broker.names.workQueue);
      },
      async resetTables() {
        await ready.pool.query('TRUNCATE stripe_events, subscriptions');
      },
      cleanup,
    };
  } catch (err: unknown) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}

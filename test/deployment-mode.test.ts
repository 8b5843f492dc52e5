import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimDeploymentMode, readDeploymentMode } from '@pipeline/db';
import { createTestDatabase, waitFor, type TestDatabase } from '@pipeline/testkit';

// The one-row table that makes a database serve one Stripe mode, against the real PostgreSQL.
const services = inject('services');
let first: TestDatabase;
let contended: TestDatabase;

beforeAll(async () => {
  [first, contended] = await Promise.all([
    createTestDatabase(services.databaseUrl, services.templateDatabase),
    createTestDatabase(services.databaseUrl, services.templateDatabase),
  ]);
});

afterAll(async () => {
  await Promise.all([first.drop(), contended.drop()]);
});

describe('the deployment mode', () => {
  it('is unclaimed in a freshly migrated database, then the first claim decides it for every later claim of either mode', async () => {
    expect(await readDeploymentMode(first.pool)).toBeUndefined();
    const claimed = await claimDeploymentMode(first.pool, true);
    expect(claimed.livemode).toBe(true);
    expect(await claimDeploymentMode(first.pool, false)).toEqual(claimed);
    expect(await claimDeploymentMode(first.pool, true)).toEqual(claimed);
    expect(await readDeploymentMode(first.pool)).toEqual(claimed);
  });

  it('holds one row at most, whatever is inserted by hand', async () => {
    await expect(first.pool.query('INSERT INTO deployment (livemode) VALUES (false)')).rejects.toThrow(/duplicate key/);
    await expect(first.pool.query('INSERT INTO deployment (singleton, livemode) VALUES (false, false)')).rejects.toThrow(/check constraint/);
    const { rows } = await first.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM deployment');
    expect(rows).toEqual([{ n: 1 }]);
  });

  it("gives a claim that waited on another worker's uncommitted claim the winner's mode", async () => {
    const winner = await contended.pool.connect();
    try {
      await winner.query('BEGIN');
      await winner.query('INSERT INTO deployment (livemode) VALUES (true)');
      // Blocks on the uncommitted row's key until the winner commits.
      const loser = claimDeploymentMode(contended.pool, false);
      await waitFor(
        async () => {
          const { rows } = await contended.pool.query<{ waiting: number }>(
            "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          );
          return (rows[0]?.waiting ?? 0) > 0;
        },
        { what: 'the second claim to wait on the first' },
      );
      await winner.query('COMMIT');
      expect((await loser).livemode).toBe(true);
    } finally {
      winner.release();
    }
  });
});

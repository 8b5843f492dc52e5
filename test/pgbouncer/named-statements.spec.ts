import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, recordOutcome, withTransaction, type LedgerEvent, type Pool } from '@pipeline/db';
import { stripeId } from '@pipeline/stripe-events';
import { createTestDatabase, databaseUrlFor, type TestDatabase } from '@pipeline/testkit';

// Runs only under test/pgbouncer/vitest.config.ts (npm run test:pgbouncer), where services.databaseUrl
// is PgBouncer: named *.spec.ts so the default `npm test` leaves it out.
const services = inject('services');
let db: TestDatabase;
let pool: Pool;

/** One row of PgBouncer's SHOW CONFIG, read on its admin console (the `pgbouncer` database). */
async function pgbouncerSetting(key: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrlFor(services.databaseUrl, 'pgbouncer') });
  await client.connect();
  try {
    // The admin console speaks only the simple query protocol, which pg uses for a query without values.
    const { rows } = await client.query<{ key: string; value: string }>('SHOW CONFIG');
    return rows.find((row) => row.key === key)?.value;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase(services.databaseUrl, services.templateDatabase);
  // More clients than PgBouncer has server connections, so consecutive transactions of one
  // client land on different server connections: what breaks named statements without
  // max_prepared_statements.
  pool = createPool({ url: db.url, max: 12, applicationName: 'pgbouncer-test' });
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('the ledger behind PgBouncer in transaction mode', () => {
  it('runs through a PgBouncer in transaction mode that tracks prepared statements', async () => {
    expect(await pgbouncerSetting('pool_mode')).toBe('transaction');
    expect(Number(await pgbouncerSetting('max_prepared_statements'))).toBeGreaterThan(0);
  });

  it('records outcomes with the named statement from many clients over few server connections', async () => {
    const events: LedgerEvent[] = Array.from({ length: 240 }, () => ({
      id: stripeId('evt'),
      type: 'invoice.paid',
      endpoint: 'platform',
      account: undefined,
      livemode: false,
      created: 1_700_000_000,
    }));

    // Each transaction executes the named statement; each pool client reuses it in later
    // transactions, which PgBouncer may serve from any server connection.
    await Promise.all(events.map((event) => withTransaction(pool, (client) => recordOutcome(client, event, 'processed', 1, { ok: true }))));

    const { rows } = await pool.query<{ processed: number }>("SELECT count(*)::int AS processed FROM stripe_events WHERE outcome = 'processed'");
    expect(rows[0]?.processed).toBe(events.length);
  });
});

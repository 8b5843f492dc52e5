import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminQuery, createTestDatabase, databaseUrlFor, type TestDatabase } from '@pipeline/testkit';
import { oneErrorLine, runCli } from './cli.ts';

const services = inject('services');
const day = 86_400_000;
let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase(services.databaseUrl, services.templateDatabase);
  env = { DATABASE_URL: db.url };
});

afterAll(async () => {
  await db.drop();
});

/** A processing record, last touched `ageMs` ago. */
async function record(id: string, fields: { outcome?: string; ageMs?: number; attempts?: number; lastError?: string; effects?: object } = {}): Promise<void> {
  const touched = new Date(Date.now() - (fields.ageMs ?? 0));
  await db.pool.query(
    `INSERT INTO stripe_events (id, type, endpoint, account, livemode, event_created, outcome, attempts, last_error, effects, first_seen_at, updated_at)
     VALUES ($1, 'account.updated', 'connect', 'acct_1EventsHost', false, $2, $3, $4, $5, $6, $2, $2)`,
    [id, touched, fields.outcome ?? 'processed', fields.attempts ?? 1, fields.lastError ?? null, fields.effects === undefined ? null : JSON.stringify(fields.effects)],
  );
}

async function remaining(ids: readonly string[]): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM stripe_events WHERE id = ANY($1) ORDER BY id', [ids]);
  return rows.map((row) => row.id);
}

describe('events show', () => {
  it("prints the event's record: outcome, attempts, last error, times and effects", async () => {
    await record('evt_show_processed', { attempts: 3, lastError: 'Stripe answered 503', effects: { hostAccountId: 'acct_1EventsHost', payoutsEnabled: true } });

    const result = await runCli(['events', 'show', 'evt_show_processed'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^id\s+evt_show_processed$/m);
    expect(result.stdout).toMatch(/^account\s+acct_1EventsHost$/m);
    expect(result.stdout).toMatch(/^outcome\s+processed$/m);
    expect(result.stdout).toMatch(/^attempts\s+3$/m);
    expect(result.stdout).toMatch(/^last error\s+Stripe answered 503$/m);
    expect(result.stdout).toMatch(/^updated\s+\d{4}-\d\d-\d\dT/m);
    expect(result.stdout).toContain('effects\n  {\n    "hostAccountId": "acct_1EventsHost",\n    "payoutsEnabled": true\n  }');
  });

  it('prints what the event took back from host transfers (transfer_reversals), in text and JSON', async () => {
    await record('evt_show_refund', { effects: { chargeId: 'ch_1ShowRefund', amountRefunded: 5_000 } });
    await db.pool.query(
      `INSERT INTO host_transfers (invoice_id, host_account_id, amount, currency, hours, status, idempotency_key, stripe_transfer_id, reversed_amount)
       VALUES ('in_1ShowRefund', 'acct_1ShowHost', 8000, 'usd', 2, 'paid', 'transfer:in_1ShowRefund:acct_1ShowHost', 'tr_1ShowTransfer', 4000)`,
    );
    await db.pool.query(
      `INSERT INTO transfer_reversals (invoice_id, host_account_id, kind, amount, currency, reason, charge_id, stripe_transfer_id, stripe_reversal_id, idempotency_key, event_id)
       VALUES ('in_1ShowRefund', 'acct_1ShowHost', 'reversal', 4000, 'usd', 'refunded', 'ch_1ShowRefund', 'tr_1ShowTransfer', 'trr_1ShowReversal', 'reversal:ch_1ShowRefund:acct_1ShowHost:4000', 'evt_show_refund')`,
    );

    const result = await runCli(['events', 'show', 'evt_show_refund'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('taken back from host transfers:');
    expect(result.stdout).toMatch(/^\s+in_1ShowRefund\s+acct_1ShowHost\s+reversal\s+4000\s+usd\s+refunded\s+tr_1ShowTransfer\s+trr_1ShowReversal$/m);

    const json = await runCli(['events', 'show', 'evt_show_refund', '--json'], env);
    expect((JSON.parse(json.stdout) as { transferReversals: Array<{ stripeReversalId: string; amount: string }> }).transferReversals).toMatchObject([
      { stripeReversalId: 'trr_1ShowReversal', amount: '4000' },
    ]);
  });

  it('says in one line that an unknown event has not been processed, and exits 1', async () => {
    const result = await runCli(['events', 'show', 'evt_never_seen'], env);

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toMatch(/^error: no event evt_never_seen has been processed/);
    expect(result.stdout).toBe('');
  });
});

describe('events prune', () => {
  it('deletes the records older than --older-than and keeps newer ones and those still retrying', async () => {
    await record('evt_prune_40d', { ageMs: 40 * day });
    await record('evt_prune_10d', { ageMs: 10 * day, outcome: 'ignored' });
    await record('evt_prune_1d', { ageMs: day });
    await record('evt_prune_retrying', { ageMs: 40 * day, outcome: 'retrying' });
    const ids = ['evt_prune_40d', 'evt_prune_10d', 'evt_prune_1d', 'evt_prune_retrying'];

    const byDefault = await runCli(['events', 'prune'], env);
    expect(byDefault.code).toBe(0);
    expect(await remaining(ids)).toEqual(['evt_prune_10d', 'evt_prune_1d', 'evt_prune_retrying']);

    const result = await runCli(['events', 'prune', '--older-than', '7d'], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pruned 1 event record last updated before \d{4}-/m);
    expect(await remaining(ids)).toEqual(['evt_prune_1d', 'evt_prune_retrying']);
  });

  it('refuses to prune records younger than 3 days, since Stripe still resends them', async () => {
    await record('evt_prune_2d', { ageMs: 2 * day });

    const result = await runCli(['events', 'prune', '--older-than', '1d'], env);

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toMatch(/--older-than 1d is too short: Stripe resends events for up to 3 days/);
    expect(await remaining(['evt_prune_2d'])).toEqual(['evt_prune_2d']);
  });
});

describe('migrate', () => {
  it('applies the migrations to an empty database, then finds it up to date', async () => {
    const name = `cli_migrate_${randomBytes(5).toString('hex')}`;
    await adminQuery(services.databaseUrl, `CREATE DATABASE ${name}`);
    try {
      const migrateEnv = { DATABASE_URL: databaseUrlFor(services.databaseUrl, name) };
      const first = await runCli(['migrate'], migrateEnv);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^applied 0001_initial$/m);

      const second = await runCli(['migrate'], migrateEnv);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/is up to date$/m);
    } finally {
      await adminQuery(services.databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });

  it('names a bad DATABASE_URL without echoing it', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'mysql://root:hunter2@db/app' });

    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toBe('error: invalid configuration: DATABASE_URL must be a postgres or postgresql URL');
  });
});

// Run from the repository root:
//   node --conditions=source test/reliability/repro/database-error-during-transaction.ts
// A PostgreSQL connection lost while `withTransaction` holds its client (e.g. while the
// command awaits Stripe's answer) crashes the process with an uncaught 'error' event: a
// client checked out of a pg pool has no 'error' listener.
import { createPool, withTransaction } from '@pipeline/db';
import { sleep, startTcpProxy } from '@pipeline/testkit';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const target = new URL(databaseUrl);
const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
const pool = createPool({ url: proxy.url(databaseUrl), max: 2, onError: () => undefined });
process.on('uncaughtException', (err) => {
  console.log(`DEFECT REPRODUCED: uncaught exception while a transaction held its client: ${err.message}`);
  process.exit(1);
});

const attempt = withTransaction(pool, async (db) => {
  await db.query('SELECT 1');
  await sleep(500); // a call to Stripe inside the transaction
  await db.query('SELECT 2');
});
await sleep(200);
proxy.cut(); // the database connection is lost in the middle of the transaction
const outcome = await attempt.then(
  () => 'committed',
  (err: unknown) => `failed as it should (${err instanceof Error ? err.message : String(err)}), to be retried`,
);
console.log(`no crash: the transaction ${outcome}`);
console.log(`the pool still works: ${String((await pool.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]?.ok)}`);
await pool.end();
await proxy.close();

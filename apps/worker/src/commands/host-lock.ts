import type { PoolClient } from 'pg';

/** The first key of every host lock ("Host" in ASCII), so these locks share no key with other advisory locks. */
const hostLockSpace = 0x486f7374;

/**
 * Holds, until the transaction ends, the lock of each host in `accountIds`. Every
 * command that reads or changes whether a host can be paid takes it first, so an
 * invoice paid while the host's payouts are being enabled (or the host disconnected) is
 * either seen by the other command or sees it: a transfer is never left held after its
 * host's payouts were enabled, nor paid after its host was deauthorized. The locks are
 * taken in key order in one statement, so two commands never deadlock on them.
 */
export async function lockHosts(db: PoolClient, accountIds: readonly string[]): Promise<void> {
  if (accountIds.length === 0) return;
  await db.query(
    `SELECT pg_advisory_xact_lock($1::integer, key)
       FROM (SELECT DISTINCT hashtext(account_id) AS key FROM unnest($2::text[]) AS account_id ORDER BY key) AS keys`,
    [hostLockSpace, accountIds],
  );
}

/**
 * Takes the lock of one host until the transaction ends, if no one holds it; false
 * otherwise, without waiting. For the release sweep, which locks a transfer row first: a
 * command holding the host's lock may be waiting for that row, so the sweep must not wait.
 */
export async function tryLockHost(db: PoolClient, accountId: string): Promise<boolean> {
  const { rows } = await db.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::integer, hashtext($2)) AS locked', [hostLockSpace, accountId]);
  return rows[0]?.locked === true;
}

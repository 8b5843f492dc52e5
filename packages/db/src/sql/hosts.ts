import type { PoolClient } from 'pg';

/**
 * Statements on `hosts`: one row per connected account (the host), with its onboarding
 * state, its payout failure and whether it disconnected the platform. Each runs on the
 * caller's client, inside the caller's transaction.
 */

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

/** A host's onboarding state as an `account.updated` event reports it. */
export interface HostOnboarding {
  readonly accountId: string;
  readonly chargesEnabled: boolean;
  readonly payoutsEnabled: boolean;
  readonly detailsSubmitted: boolean;
  readonly requirementsDue: readonly string[];
  /** The event's time, which orders onboarding events. */
  readonly eventCreated: Date;
}

// Ordered on `onboarding_event_created`: an event of the same second applies (the later
// arrival wins), an older one changes nothing.
const upsertOnboardingSql = `
  INSERT INTO hosts AS h (account_id, charges_enabled, payouts_enabled, details_submitted, requirements_due, onboarding_event_created)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (account_id) DO UPDATE SET
    charges_enabled = excluded.charges_enabled, payouts_enabled = excluded.payouts_enabled,
    details_submitted = excluded.details_submitted, requirements_due = excluded.requirements_due,
    onboarding_event_created = excluded.onboarding_event_created, updated_at = now()
  WHERE h.onboarding_event_created IS NULL OR excluded.onboarding_event_created >= h.onboarding_event_created
  RETURNING payouts_enabled, deauthorized_at IS NOT NULL AS deauthorized`;

/**
 * Stores the host's onboarding state unless a newer event already did; answers the
 * applied row's `payouts_enabled` and whether the host is deauthorized, or undefined
 * when the event was older (nothing changed).
 */
export async function upsertHostOnboarding(db: PoolClient, onboarding: HostOnboarding): Promise<{ payouts_enabled: boolean; deauthorized: boolean } | undefined> {
  const { rows } = await db.query<{ payouts_enabled: boolean; deauthorized: boolean }>(upsertOnboardingSql, [
    onboarding.accountId,
    onboarding.chargesEnabled,
    onboarding.payoutsEnabled,
    onboarding.detailsSubmitted,
    onboarding.requirementsDue,
    onboarding.eventCreated,
  ]);
  return rows[0];
}

/**
 * Marks the host deauthorized at `at` (the earliest time wins on a repeat) with its
 * listings hidden, creating the row if this is the first we hear of it; answers the
 * stored deauthorization time.
 */
export async function markHostDeauthorized(db: PoolClient, accountId: string, at: Date): Promise<Date | undefined> {
  const { rows } = await db.query<{ deauthorized_at: Date }>(
    `INSERT INTO hosts AS h (account_id, deauthorized_at, listings_hidden) VALUES ($1, $2, true)
       ON CONFLICT (account_id) DO UPDATE SET
         deauthorized_at = LEAST(h.deauthorized_at, excluded.deauthorized_at), listings_hidden = true, updated_at = now()
       RETURNING deauthorized_at`,
    [accountId, at],
  );
  return rows[0]?.deauthorized_at;
}

/**
 * Records a failed payout on the host, ordered on `payout_event_created`: an event of the
 * same second applies (the later failure wins), an older one changes nothing. Answers
 * whether it applied.
 */
export async function flagPayoutFailure(db: PoolClient, failure: { accountId: string; failureCode: string | null; payoutId: string; failedAt: Date }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO hosts AS h (account_id, payout_failure_code, payout_failure_payout_id, payout_failed_at, payout_event_created)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (account_id) DO UPDATE SET
         payout_failure_code = excluded.payout_failure_code, payout_failure_payout_id = excluded.payout_failure_payout_id,
         payout_failed_at = excluded.payout_failed_at, payout_event_created = excluded.payout_event_created, updated_at = now()
       WHERE h.payout_event_created IS NULL OR excluded.payout_event_created >= h.payout_event_created`,
    [failure.accountId, failure.failureCode, failure.payoutId, failure.failedAt],
  );
  return rowCount !== 0;
}

/**
 * Clears the host's payout failure as of `eventCreated`, ordered on `payout_event_created`
 * with flagPayoutFailure: an older clear changes nothing, and on a tie the failure wins.
 * Answers whether it applied.
 */
export async function clearPayoutFailure(db: PoolClient, accountId: string, eventCreated: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO hosts AS h (account_id, payout_event_created) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET
         payout_failure_code = NULL, payout_failure_payout_id = NULL, payout_failed_at = NULL,
         payout_event_created = excluded.payout_event_created, updated_at = now()
       WHERE h.payout_event_created IS NULL
          OR excluded.payout_event_created > h.payout_event_created
          OR (excluded.payout_event_created = h.payout_event_created AND h.payout_failed_at IS NULL)`,
    [accountId, eventCreated],
  );
  return rowCount !== 0;
}

/** Whether each known host among `accountIds` has payouts enabled and is deauthorized; unknown hosts are absent. */
export async function payoutStatesOf(db: PoolClient, accountIds: readonly string[]): Promise<Array<{ account_id: string; payouts_enabled: boolean; deauthorized: boolean }>> {
  const { rows } = await db.query<{ account_id: string; payouts_enabled: boolean; deauthorized: boolean }>(
    'SELECT account_id, payouts_enabled, deauthorized_at IS NOT NULL AS deauthorized FROM hosts WHERE account_id = ANY($1)',
    [accountIds],
  );
  return rows;
}

/** Whether the host can be paid now: payouts enabled and not deauthorized (false for an unknown host). */
export async function isHostPayable(db: PoolClient, accountId: string): Promise<boolean> {
  const { rows } = await db.query<{ payable: boolean }>('SELECT payouts_enabled AND deauthorized_at IS NULL AS payable FROM hosts WHERE account_id = $1', [accountId]);
  return rows[0]?.payable === true;
}

import type { Pool } from 'pg';

/** A host as the console shows it: onboarding state, payout failure, what is held for it. */
export interface HostOverview {
  readonly accountId: string;
  readonly chargesEnabled: boolean;
  readonly payoutsEnabled: boolean;
  readonly detailsSubmitted: boolean;
  readonly requirementsDue: string[];
  readonly deauthorizedAt: Date | null;
  readonly payoutFailureCode: string | null;
  readonly payoutFailedAt: Date | null;
  readonly heldTransfers: number;
  /** Sum of held amounts per currency, e.g. `{ "usd": 12000 }` (minor units). */
  readonly heldAmounts: Record<string, number>;
}

/** Hosts, most recently changed first, with their held transfers counted and summed. */
export async function listHostOverview(pool: Pool, limit: number): Promise<HostOverview[]> {
  const { rows } = await pool.query<HostOverview>(
    `SELECT h.account_id AS "accountId", h.charges_enabled AS "chargesEnabled", h.payouts_enabled AS "payoutsEnabled",
            h.details_submitted AS "detailsSubmitted", h.requirements_due AS "requirementsDue", h.deauthorized_at AS "deauthorizedAt",
            h.payout_failure_code AS "payoutFailureCode", h.payout_failed_at AS "payoutFailedAt",
            coalesce(held.count, 0)::int AS "heldTransfers", coalesce(held.amounts, '{}'::jsonb) AS "heldAmounts"
       FROM hosts h
       LEFT JOIN LATERAL (
         SELECT sum(n)::int AS count, jsonb_object_agg(currency, total) AS amounts
           FROM (SELECT currency, count(*) AS n, sum(amount)::bigint AS total FROM host_transfers t
                  WHERE t.host_account_id = h.account_id AND t.status = 'held' GROUP BY currency) AS per_currency
       ) AS held ON true
      ORDER BY h.updated_at DESC, h.account_id
      LIMIT $1`,
    [limit],
  );
  return rows;
}

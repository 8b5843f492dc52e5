import type { Pool } from 'pg';

/** The Stripe mode a database serves, as claimed by the first worker that started on it. */
export interface DeploymentMode {
  livemode: boolean;
  claimedAt: Date;
}

/**
 * Claims the database for `livemode` if no worker has yet, and returns the mode it serves
 * (the claim just made, or an earlier one, possibly of the other mode: the caller decides).
 *
 * Two statements, not one `WITH ... INSERT ... SELECT`: a single statement reads one
 * snapshot, so when two workers claim at once the one whose insert waited on the other's
 * conflicting row would not see that row and would read nothing. The read after the insert
 * takes a fresh snapshot (READ COMMITTED), which holds whichever claim won.
 */
export async function claimDeploymentMode(pool: Pool, livemode: boolean): Promise<DeploymentMode> {
  await pool.query('INSERT INTO deployment (livemode) VALUES ($1) ON CONFLICT DO NOTHING', [livemode]);
  const mode = await readDeploymentMode(pool);
  if (mode === undefined) throw new Error('the deployment row is missing right after it was claimed');
  return mode;
}

/** The mode the database serves, or undefined while no worker has claimed it. */
export async function readDeploymentMode(pool: Pool): Promise<DeploymentMode | undefined> {
  const { rows } = await pool.query<DeploymentMode>('SELECT livemode, claimed_at AS "claimedAt" FROM deployment');
  return rows[0];
}

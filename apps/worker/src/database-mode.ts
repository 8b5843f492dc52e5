import { ConfigError } from '@pipeline/core';
import { claimDeploymentMode, type Pool } from '@pipeline/db';

const modeName = (livemode: boolean): string => (livemode ? 'live' : 'test');

/**
 * Claims the database for the worker's mode, or refuses to start when it serves the other
 * one: the domain tables carry no mode of their own, so one database serves one mode.
 * Throws a ConfigError (one line, no secret) naming STRIPE_SECRET_KEY and the database's mode.
 */
export async function ensureDatabaseMode(pool: Pool, livemode: boolean): Promise<void> {
  const database = await claimDeploymentMode(pool, livemode);
  if (database.livemode === livemode) return;
  throw new ConfigError(
    `STRIPE_SECRET_KEY is a ${modeName(livemode)}-mode key, but the database (DATABASE_URL) serves ${modeName(database.livemode)} mode ` +
      `since ${database.claimedAt.toISOString()}: use a ${modeName(database.livemode)}-mode key, or a database of its own for ${modeName(livemode)} mode`,
  );
}

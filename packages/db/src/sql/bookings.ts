import type { PoolClient } from 'pg';

/** The hours one host was booked, as text (exact) and in whole hundredths of an hour. */
export interface BookedHours {
  readonly host_account_id: string;
  readonly hours: string;
  readonly hundredths: string;
}

/** Hours each host was booked by `customerId` with a start in [start, end), summed per host. */
export async function bookedHoursByHost(db: PoolClient, customerId: string, start: Date, end: Date): Promise<BookedHours[]> {
  const { rows } = await db.query<BookedHours>(
    `SELECT host_account_id, SUM(hours)::text AS hours, (SUM(hours) * 100)::bigint::text AS hundredths
       FROM bookings
      WHERE customer_id = $1 AND starts_at >= $2 AND starts_at < $3
      GROUP BY host_account_id`,
    [customerId, start, end],
  );
  return rows;
}

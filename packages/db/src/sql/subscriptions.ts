import type { PoolClient } from 'pg';

/** What `subscriptions` stores for one subscription, and the event it comes from. */
export interface SubscriptionRow {
  readonly id: string;
  readonly customerId: string;
  readonly status: string;
  readonly tier: string | null;
  readonly currentPeriodEnd: Date | null;
  readonly access: boolean;
  readonly livemode: boolean;
  readonly sourceEventId: string;
  /** The event's time, which orders the subscription's events. */
  readonly sourceEventCreated: Date;
}

/**
 * Where a status sits in a subscription's life. Used only to break ties between events
 * created in the same second: within a second a subscription moves forward (created
 * `incomplete` then `active` once the first payment succeeds, `active` then `canceled`),
 * never back, so on a tie the later stage wins; on a tie of stages the later arrival wins.
 * Unknown statuses sit with `active`.
 */
const stage = (column: string): string => `CASE ${column}
  WHEN 'incomplete' THEN 0 WHEN 'trialing' THEN 1 WHEN 'active' THEN 2 WHEN 'past_due' THEN 3
  WHEN 'unpaid' THEN 4 WHEN 'paused' THEN 4 WHEN 'incomplete_expired' THEN 5 WHEN 'canceled' THEN 5 ELSE 2 END`;

// One statement, so concurrent events for one subscription serialise on its row: the
// newer event's state wins whatever the order of arrival or commit.
const upsertSql = `
  INSERT INTO subscriptions AS s
    (id, customer_id, status, tier, current_period_end, access, livemode, source_event_id, source_event_created)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
  ON CONFLICT (id) DO UPDATE SET
    customer_id = excluded.customer_id, status = excluded.status, tier = excluded.tier,
    current_period_end = excluded.current_period_end, access = excluded.access, livemode = excluded.livemode,
    source_event_id = excluded.source_event_id, source_event_created = excluded.source_event_created, updated_at = now()
  WHERE excluded.source_event_created > s.source_event_created
     OR (excluded.source_event_created = s.source_event_created AND ${stage('excluded.status')} >= ${stage('s.status')})
  RETURNING id`;

/**
 * Stores the subscription unless a newer event already set it (see `stage` for ties);
 * answers whether it applied.
 */
export async function upsertSubscription(db: PoolClient, row: SubscriptionRow): Promise<boolean> {
  // Named, as the statements run for every event are: parsed and planned once per connection.
  const { rowCount } = await db.query({
    name: 'subscription-upsert',
    text: upsertSql,
    values: [row.id, row.customerId, row.status, row.tier, row.currentPeriodEnd, row.access, row.livemode, row.sourceEventId, row.sourceEventCreated],
  });
  return rowCount !== 0;
}

/** The event whose state the subscription holds, if it is stored. */
export async function subscriptionSourceEvent(db: PoolClient, subscriptionId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ source_event_id: string }>('SELECT source_event_id FROM subscriptions WHERE id = $1', [subscriptionId]);
  return rows[0]?.source_event_id;
}

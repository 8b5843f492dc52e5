-- Up Migration

-- The event feed (`events list`, `events tail`, the console's live stream) reads the ledger
-- newest first, page by page, and follows what settles after a moment.
-- processing_started_at: when the attempt that settled the event began its transaction
--   (PostgreSQL's now() in the worker's event transaction), so updated_at minus it is the
--   worker's processing latency: the wait for the event's lock, the command with its Stripe
--   calls, and the ledger write. Null for rows written before this migration and for failed
--   attempts, which are recorded outside the command's transaction.
ALTER TABLE stripe_events ADD COLUMN processing_started_at timestamptz;

-- Keyset paging orders by (updated_at, id); this index also serves the prune's updated_at range.
CREATE INDEX stripe_events_feed ON stripe_events (updated_at, id);
DROP INDEX stripe_events_updated_at;

-- Down Migration
CREATE INDEX stripe_events_updated_at ON stripe_events (updated_at);
DROP INDEX stripe_events_feed;
ALTER TABLE stripe_events DROP COLUMN processing_started_at;

-- Up Migration

-- Events the workers gave up on, waiting for an operator. Written by the worker when it
-- parks an event, and by its dead-queue drainer for what the broker parked (a delivery
-- limit) or what the worker could only forward there. Reading them changes nothing, unlike
-- a scan of the dead queue, where every look counted towards the queue's delivery limit.
CREATE TABLE parked_events (
  id         bigserial PRIMARY KEY,
  -- Dead-lettering is at least once: the same dead-queue message may be drained twice.
  -- sha256 of the body and of the properties without the delivery count makes it one row.
  dedup_key  bytea NOT NULL UNIQUE,
  event_id   text,
  type       text,
  endpoint   text,
  account    text,
  livemode   boolean,
  -- The exact message: body bytes and AMQP properties (headers included) as JSON.
  body       bytea NOT NULL,
  properties jsonb NOT NULL,
  last_error text,
  error_code text,
  attempts   integer,
  reason     text NOT NULL CHECK (reason IN ('permanent', 'exhausted', 'delivery-limit', 'malformed', 'unknown')),
  parked_at  timestamptz NOT NULL
);
-- Listing pages through id (keyset); filters by type and age have their own index.
CREATE INDEX parked_events_type ON parked_events (type, id);
CREATE INDEX parked_events_parked_at ON parked_events (parked_at, id);

-- Down Migration
DROP TABLE parked_events;

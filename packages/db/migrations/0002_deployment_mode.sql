-- Up Migration

-- Which Stripe mode this database serves. Stripe sends test-mode events of live-connected
-- accounts to the live Connect endpoint, and an `acct_` id is the same in both modes, so the
-- domain tables (hosts, host_transfers, ...) would mix modes if two workers with keys of
-- different modes shared a database. One database serves one mode instead: the first worker
-- to start claims it with its key's mode, and a worker of the other mode refuses to start.
CREATE TABLE deployment (
  -- Always true: the primary key then allows a single row.
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  livemode   boolean NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE deployment;

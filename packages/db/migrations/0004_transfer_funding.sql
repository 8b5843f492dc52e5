-- Up Migration

-- What a held transfer is waiting for, and the retries of its release.
-- key_generation: the idempotency key in use is `transfer:{invoice}:{host}` for 0 (the key
--   rows had before this migration) and `transfer:{invoice}:{host}:g{n}` after. Stripe keeps
--   an error answer (a 500, a 400 balance_insufficient) under its key for 24 hours; the worker
--   moves to the next generation only after listing the invoice's transfers to this host found
--   none that counts as paid.
-- hold_reason: why a `held` row is not paid yet: `payouts_disabled` (released by the host's
--   account.updated), `awaiting_funds` (Stripe answered balance_insufficient), or
--   `release_failed` (another error); the last two are retried by the worker's release sweep
--   at next_attempt_at.
ALTER TABLE host_transfers
  ADD COLUMN key_generation  integer NOT NULL DEFAULT 0 CHECK (key_generation >= 0),
  ADD COLUMN hold_reason     text CHECK (hold_reason IN ('payouts_disabled', 'awaiting_funds', 'release_failed')),
  ADD COLUMN attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  ADD COLUMN last_error      text,
  ADD COLUMN next_attempt_at timestamptz;

UPDATE host_transfers SET hold_reason = 'payouts_disabled' WHERE status = 'held';

-- The sweep's question: which held transfers are due.
CREATE INDEX host_transfers_due ON host_transfers (next_attempt_at) WHERE status = 'held' AND next_attempt_at IS NOT NULL;

-- Down Migration
DROP INDEX host_transfers_due;
ALTER TABLE host_transfers
  DROP COLUMN next_attempt_at,
  DROP COLUMN last_error,
  DROP COLUMN attempts,
  DROP COLUMN hold_reason,
  DROP COLUMN key_generation;

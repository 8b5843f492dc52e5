-- Up Migration

-- Money that flows back (issue 12, part 2): refunds, lost disputes, voided invoices.
-- reversed_amount: what was taken back from the host's share, by Stripe transfer reversals
--   (a paid row) or by reducing the row before it was paid (a held or blocked row). The host
--   is owed `amount - reversed_amount`; `amount` stays what the invoice first owed it.
-- reversal_key_generation: the generation of the reversal idempotency keys of this row
--   (`reversal:{charge}:{host}:{target}` for 0, then `:g{n}`); moved on after Stripe replays
--   a saved error under a key.
-- cancelled: a row that was never paid and was reduced to nothing, or whose invoice was
--   voided or marked uncollectible before it was paid.
ALTER TABLE host_transfers
  ADD COLUMN reversed_amount         bigint NOT NULL DEFAULT 0,
  ADD COLUMN reversal_key_generation integer NOT NULL DEFAULT 0 CHECK (reversal_key_generation >= 0),
  ADD COLUMN cancel_reason           text CHECK (cancel_reason IN ('refunded', 'dispute_lost', 'invoice_voided', 'invoice_uncollectible')),
  ADD CONSTRAINT host_transfers_reversed_amount CHECK (reversed_amount >= 0 AND reversed_amount <= amount),
  DROP CONSTRAINT host_transfers_status_check,
  ADD CONSTRAINT host_transfers_status_check CHECK (status IN ('held', 'paid', 'blocked', 'cancelled'));

-- A refund or dispute names the charge: the transfers' source_transaction.
CREATE INDEX host_transfers_source_transaction ON host_transfers (source_transaction) WHERE source_transaction IS NOT NULL;

-- What went back to the customer on a charge, as the newest events say: cumulative, so a
-- repeated or late event never counts twice. Written before the transfers of the charge are
-- known too (a refund racing the invoice's own payment); invoice.paid applies it then.
CREATE TABLE charge_clawbacks (
  charge_id           text PRIMARY KEY,
  charge_amount       bigint NOT NULL CHECK (charge_amount > 0),
  currency            text NOT NULL,
  amount_refunded     bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
  dispute_lost_amount bigint NOT NULL DEFAULT 0 CHECK (dispute_lost_amount >= 0),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Disputes on charges, as their newest event says.
CREATE TABLE disputes (
  id            text PRIMARY KEY,
  charge_id     text NOT NULL,
  amount        bigint NOT NULL CHECK (amount >= 0),
  currency      text NOT NULL,
  reason        text,
  status        text NOT NULL,
  event_created timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disputes_charge_id ON disputes (charge_id);

-- Every amount taken back from a host transfer, and the event that took it.
-- kind: `reversal` (a Stripe transfer reversal of a paid transfer), `reduction` (a held or
-- blocked row owed less before it was paid), `cancellation` (such a row cancelled outright).
CREATE TABLE transfer_reversals (
  id                 bigserial PRIMARY KEY,
  invoice_id         text NOT NULL,
  host_account_id    text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('reversal', 'reduction', 'cancellation')),
  amount             bigint NOT NULL CHECK (amount > 0),
  currency           text NOT NULL,
  reason             text NOT NULL CHECK (reason IN ('refunded', 'dispute_lost', 'invoice_voided', 'invoice_uncollectible')),
  charge_id          text,
  stripe_transfer_id text,
  stripe_reversal_id text UNIQUE,
  idempotency_key    text,
  event_id           text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (invoice_id, host_account_id) REFERENCES host_transfers (invoice_id, host_account_id),
  CHECK ((kind = 'reversal') = (stripe_reversal_id IS NOT NULL))
);
CREATE INDEX transfer_reversals_event_id ON transfer_reversals (event_id);
CREATE INDEX transfer_reversals_transfer ON transfer_reversals (invoice_id, host_account_id);

-- Down Migration
DROP TABLE transfer_reversals;
DROP TABLE disputes;
DROP TABLE charge_clawbacks;
DROP INDEX host_transfers_source_transaction;
ALTER TABLE host_transfers
  DROP CONSTRAINT host_transfers_status_check,
  ADD CONSTRAINT host_transfers_status_check CHECK (status IN ('held', 'paid', 'blocked')),
  DROP CONSTRAINT host_transfers_reversed_amount,
  DROP COLUMN cancel_reason,
  DROP COLUMN reversal_key_generation,
  DROP COLUMN reversed_amount;

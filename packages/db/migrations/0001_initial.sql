-- Up Migration

-- One row per Stripe event id the workers have seen. Written in the same transaction as
-- the command's effects, so its presence with a final outcome means "applied once".
CREATE TABLE stripe_events (
  id            text PRIMARY KEY,
  type          text NOT NULL,
  endpoint      text NOT NULL CHECK (endpoint IN ('platform', 'connect')),
  account       text,
  livemode      boolean NOT NULL,
  event_created timestamptz NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('processed', 'ignored', 'stale', 'retrying', 'failed')),
  attempts      integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  last_error    text,
  effects       jsonb,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_events_updated_at ON stripe_events (updated_at);
CREATE INDEX stripe_events_unfinished ON stripe_events (outcome) WHERE outcome IN ('retrying', 'failed');

-- Written by the booking side of the platform; the worker only reads it.
CREATE TABLE bookings (
  id              text PRIMARY KEY,
  customer_id     text NOT NULL,
  host_account_id text NOT NULL,
  hours           numeric(10, 2) NOT NULL CHECK (hours >= 0),
  starts_at       timestamptz NOT NULL
);
CREATE INDEX bookings_customer_starts_at ON bookings (customer_id, starts_at);

-- A customer's subscription as of the newest event applied to it.
CREATE TABLE subscriptions (
  id                   text PRIMARY KEY,
  customer_id          text NOT NULL,
  status               text NOT NULL,
  tier                 text,
  current_period_end   timestamptz,
  access               boolean NOT NULL,
  livemode             boolean NOT NULL,
  source_event_id      text NOT NULL,
  source_event_created timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_customer_id ON subscriptions (customer_id);

-- Connected accounts (hosts). Each group of fields has its own ordering stamp, since
-- different event types change them.
CREATE TABLE hosts (
  account_id                text PRIMARY KEY,
  charges_enabled           boolean NOT NULL DEFAULT false,
  payouts_enabled           boolean NOT NULL DEFAULT false,
  details_submitted         boolean NOT NULL DEFAULT false,
  requirements_due          text[] NOT NULL DEFAULT '{}',
  onboarding_event_created  timestamptz,
  deauthorized_at           timestamptz,
  listings_hidden           boolean NOT NULL DEFAULT false,
  payout_failure_code       text,
  payout_failure_payout_id  text,
  payout_failed_at          timestamptz,
  payout_event_created      timestamptz,
  updated_at                timestamptz NOT NULL DEFAULT now()
);

-- What each host is owed for an invoice, and whether Stripe has been told to pay it.
CREATE TABLE host_transfers (
  invoice_id         text NOT NULL,
  host_account_id    text NOT NULL,
  amount             bigint NOT NULL CHECK (amount > 0),
  currency           text NOT NULL,
  hours              numeric(12, 2) NOT NULL,
  status             text NOT NULL CHECK (status IN ('held', 'paid', 'blocked')),
  idempotency_key    text NOT NULL UNIQUE,
  source_transaction text,
  stripe_transfer_id text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  paid_at            timestamptz,
  PRIMARY KEY (invoice_id, host_account_id),
  -- A row is paid exactly when it holds Stripe's transfer id; held and blocked rows have none.
  CHECK ((status = 'paid') = (stripe_transfer_id IS NOT NULL))
);
CREATE INDEX host_transfers_held ON host_transfers (host_account_id) WHERE status = 'held';

-- Failed invoice payments, one row per attempt.
CREATE TABLE payment_failures (
  invoice_id           text NOT NULL,
  attempt_count        integer NOT NULL,
  customer_id          text NOT NULL,
  subscription_id      text,
  amount_due           bigint NOT NULL,
  currency             text NOT NULL,
  next_payment_attempt timestamptz,
  failed_at            timestamptz NOT NULL,
  PRIMARY KEY (invoice_id, attempt_count)
);

-- Down Migration
DROP TABLE payment_failures;
DROP TABLE host_transfers;
DROP TABLE hosts;
DROP TABLE subscriptions;
DROP TABLE bookings;
DROP TABLE stripe_events;

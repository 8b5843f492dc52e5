-- Up Migration

-- What operators did from the console (issue 14): who, when, what, how many. Written after
-- each replay or purge, whatever its outcome; never updated or deleted by the console.
CREATE TABLE console_actions (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  -- The operator's name as given at login, and how they signed in (session or bearer).
  actor     text NOT NULL,
  action    text NOT NULL CHECK (action IN ('replay', 'purge')),
  -- What was asked: the selected row ids, or the filter of "everything matching".
  target    jsonb NOT NULL,
  -- How many the operator confirmed, and how many were done.
  confirmed integer NOT NULL CHECK (confirmed >= 0),
  done      integer NOT NULL CHECK (done >= 0),
  -- Why it stopped short, when it did.
  error     text
);
CREATE INDEX console_actions_at ON console_actions (at);

-- Down Migration
DROP TABLE console_actions;

-- Accounts deleted by their owner or the operator (issue 13): the row stays, renamed '~<id>' so its name is
-- free, and shows as "deleted account" beside the messages it sent; the name waits in retired_names for
-- --name-reuse-days before anyone may register it again.

ALTER TABLE users ADD COLUMN deleted_at bigint;  -- null while the account exists

CREATE TABLE retired_names (
  name       text   PRIMARY KEY,
  retired_at bigint NOT NULL
);

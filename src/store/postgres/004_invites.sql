-- Invitations (issue 13): with --registration invite, registering uses up one of an invite's uses.
-- Only the code's SHA-256 is kept, as with session tokens.

CREATE TABLE invites (
  code_hash  text PRIMARY KEY,
  uses_left  integer NOT NULL CHECK (uses_left >= 0),
  expires_at bigint,  -- null: never expires
  created_at bigint NOT NULL
);

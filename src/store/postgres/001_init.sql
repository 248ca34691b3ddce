-- Times are milliseconds since the epoch (bigint), as in the domain types.

CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text   NOT NULL UNIQUE,
  password_hash text   NOT NULL,
  created_at    bigint NOT NULL
);

CREATE TABLE devices (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  name        text   NOT NULL,
  token_hash  text   NOT NULL UNIQUE,
  created_at  bigint NOT NULL,
  last_active bigint NOT NULL
);
CREATE INDEX devices_by_user ON devices (user_id);

-- last_seq is the sequence counter of the conversation's stream; appends take
-- it under a row lock, which orders writers on every server sharing the database.
CREATE TABLE conversations (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text   NOT NULL CHECK (kind IN ('direct', 'group')),
  -- a direct conversation is found by its two users, lower id first
  direct_low  bigint REFERENCES users ON DELETE CASCADE,
  direct_high bigint REFERENCES users ON DELETE CASCADE,
  name        text,  -- a group's name
  last_seq    bigint NOT NULL DEFAULT 0,
  created_at  bigint NOT NULL,
  UNIQUE (direct_low, direct_high),
  CHECK ((kind = 'direct') = (direct_low IS NOT NULL AND direct_high IS NOT NULL AND direct_low <= direct_high))
);

CREATE TABLE members (
  conv_id    bigint NOT NULL REFERENCES conversations ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  joined_seq bigint NOT NULL DEFAULT 0,
  delivered  bigint NOT NULL DEFAULT 0,
  read       bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (conv_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE device_cursors (
  device_id bigint NOT NULL REFERENCES devices ON DELETE CASCADE,
  conv_id   bigint NOT NULL REFERENCES conversations ON DELETE CASCADE,
  seq       bigint NOT NULL,
  PRIMARY KEY (device_id, conv_id)
);

-- No foreign keys here: an append has just checked that the sender is a member
-- of the conversation, and the checks would cost as much as the insert.
CREATE TABLE messages (
  conv_id   bigint NOT NULL,
  seq       bigint NOT NULL,
  sender_id bigint NOT NULL,
  client_id text   NOT NULL,
  body      text   NOT NULL,
  sent_at   bigint NOT NULL,
  PRIMARY KEY (conv_id, seq)
);
-- idempotent send: one copy per (sender, client id), whichever server stored it
CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_id);
-- retention deletes by age
CREATE INDEX messages_by_sent_at ON messages (sent_at);

-- Conversations become streams of typed events: messages, edits, deletes, reactions, notices
-- ("Conversations as event streams"). Every message stored so far becomes an event of kind
-- 'message' with its conversation, seq, sender, id, text and time.
--
-- The table is copied rather than altered: adding the row id rewrites it anyway, and the copy
-- numbers the old messages in the order they were sent (newest = largest, as search pages by it).
-- Ids become unique per conversation; the rare id two senders used in one conversation before
-- is kept by the first, and the later copies get their seq appended (as SQLite's migration does).

CREATE TABLE events (
  id         bigint  GENERATED ALWAYS AS IDENTITY,
  conv_id    bigint  NOT NULL,
  seq        bigint  NOT NULL,
  sender_id  bigint  NOT NULL,
  client_id  text    NOT NULL,
  kind       text    NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'edit', 'delete', 'reaction', 'notice')),
  -- a message's or edit's text, a reaction's emoji, a notice as JSON; '' once deleted
  body       text    NOT NULL,
  -- the id of the message a reply, edit, delete or reaction refers to
  ref_id     text,
  sent_at    bigint  NOT NULL,
  edited_at  bigint,
  deleted    boolean NOT NULL DEFAULT false,
  expires_at bigint
);

INSERT INTO events (id, conv_id, seq, sender_id, client_id, body, sent_at)
OVERRIDING SYSTEM VALUE
SELECT row_number() OVER (ORDER BY sent_at, conv_id, seq), conv_id, seq, sender_id,
       CASE WHEN row_number() OVER (PARTITION BY conv_id, client_id ORDER BY seq) > 1
            THEN substr(client_id, 1, 44) || '-' || seq
            ELSE client_id END,
       body, sent_at
FROM messages;
SELECT setval(pg_get_serial_sequence('events', 'id'), coalesce(max(id), 0) + 1, false) FROM events;

DROP TABLE messages;

ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (conv_id, seq);
-- idempotent send and targets of actions: one event per id in a conversation, whichever server stored it
CREATE UNIQUE INDEX events_by_client_id ON events (client_id, conv_id);
-- retention deletes by age
CREATE INDEX events_by_sent_at ON events (sent_at);
CREATE INDEX events_by_target ON events (conv_id, ref_id) WHERE ref_id IS NOT NULL;
-- disappearing messages still to scrub
CREATE INDEX events_expiring ON events (expires_at) WHERE expires_at IS NOT NULL AND NOT deleted;
-- Search: messages' words, as the 'simple' configuration splits and lower-cases them. Queries must
-- use this very expression and predicate for the index to serve them. Deleted text leaves it.
CREATE INDEX events_search ON events USING gin (to_tsvector('simple', body)) WHERE kind = 'message' AND NOT deleted;

-- Current reactions: one per person per message.
CREATE TABLE reactions (
  conv_id bigint NOT NULL,
  seq     bigint NOT NULL,
  user_id bigint NOT NULL,
  emoji   text   NOT NULL,
  PRIMARY KEY (conv_id, seq, user_id)
);

-- Messages a user deleted for themselves only.
CREATE TABLE hidden (
  user_id bigint NOT NULL,
  conv_id bigint NOT NULL,
  seq     bigint NOT NULL,
  PRIMARY KEY (user_id, conv_id, seq)
);

-- Disappearing messages: new messages expire this long after they were sent (0: never).
ALTER TABLE conversations ADD COLUMN timer_seconds bigint NOT NULL DEFAULT 0;

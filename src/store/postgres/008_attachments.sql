-- Attachments (issue 16): an upload is the attachment-to-be; a message carries one by id.
-- A deleted message keeps its attachment_id, so the sweep can tell an attachment whose messages
-- were all deleted from one not sent yet.

CREATE TABLE attachments (
  id         text   PRIMARY KEY,
  owner_id   bigint NOT NULL,
  name       text   NOT NULL,
  size       bigint NOT NULL,
  preview    text,
  created_at bigint NOT NULL,
  -- set when every byte arrived
  sha256     text,
  type       text
);
CREATE INDEX attachments_by_time ON attachments (created_at);

ALTER TABLE events ADD COLUMN attachment_id text;
CREATE INDEX events_by_attachment ON events (attachment_id) WHERE attachment_id IS NOT NULL;

-- The bytes, for every server to serve (postgres-blobs.ts): consecutive pieces of up to 256 KB,
-- each at its byte offset in the file, so a range is read a piece at a time.
CREATE TABLE attachment_chunks (
  attachment_id text   NOT NULL,
  start         bigint NOT NULL,
  data          bytea  NOT NULL,
  PRIMARY KEY (attachment_id, start)
);

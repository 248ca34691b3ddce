/**
 * Schema migrations, applied in order at open; `PRAGMA user_version` records
 * how many ran, so a data directory from an older build is brought up to date.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
  );
  CREATE TABLE devices (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    last_active INTEGER NOT NULL
  );
  CREATE INDEX devices_by_user ON devices(user_id);
  CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    direct_key TEXT UNIQUE,
    name       TEXT,
    last_seq   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE members (
    conv_id       INTEGER NOT NULL REFERENCES conversations(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    joined_seq    INTEGER NOT NULL DEFAULT 0,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conv_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX members_by_user ON members(user_id);
  CREATE TABLE messages (
    conv_id   INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    sender_id INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    body      TEXT NOT NULL,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (conv_id, seq)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX messages_by_client_id ON messages(sender_id, client_id);
  CREATE INDEX messages_by_time ON messages(sent_at);
  CREATE TABLE device_cursors (
    device_id INTEGER NOT NULL,
    conv_id   INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (device_id, conv_id)
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE users ADD COLUMN hide_last_seen INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE users ADD COLUMN read_receipts INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE users ADD COLUMN last_seen INTEGER;
  ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member'));
  CREATE UNIQUE INDEX conversations_by_group_name ON conversations(name) WHERE kind = 'group';
  `,
  // Client ids first: clients make them time-ordered (UUIDv7), so each commit's new entries share a few
  // pages at the end of the index instead of one page per sender; a third of the bytes each commit writes.
  `
  DROP INDEX messages_by_client_id;
  CREATE UNIQUE INDEX messages_by_client_id ON messages(client_id, sender_id);
  `,
  // Conversations become streams of typed events (messages, edits, deletes, reactions, notices).
  // A rowid table with a unique (conv, seq) index instead of one clustered on (conv, seq): each
  // commit appends to the end of the table rather than rewriting a leaf page per conversation
  // (measured in issue 20: WAL writes 2.15 -> 0.78 per message), and the rowid keys the search index.
  // The search index keeps no copy of the text (content = ''); with secure-delete a removal takes
  // the words out of the index pages (contentless_delete = 1 would leave them behind a tombstone).
  // Messages are indexed after they are stored, not in the append: indexing doubled the writer
  // thread's CPU per message (measured 11 -> 25 us) and halved one-to-one throughput.
  // Ids become unique per conversation; the rare id two senders used in one conversation before
  // is kept by the first, and the later copies get their seq appended.
  `
  CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    conv_id    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    sender_id  INTEGER NOT NULL,
    client_id  TEXT NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'edit', 'delete', 'reaction', 'notice')),
    body       TEXT NOT NULL,
    ref_id     TEXT,
    sent_at    INTEGER NOT NULL,
    edited_at  INTEGER,
    deleted    INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER
  );
  INSERT INTO events (conv_id, seq, sender_id, client_id, body, sent_at)
    SELECT conv_id, seq, sender_id, client_id, body, sent_at FROM messages ORDER BY sent_at, conv_id, seq;
  UPDATE events SET client_id = substr(client_id, 1, 44) || '-' || seq WHERE id IN (
    SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY conv_id, client_id ORDER BY seq) AS n FROM events) WHERE n > 1
  );
  DROP TABLE messages;
  CREATE UNIQUE INDEX events_by_seq ON events(conv_id, seq);
  CREATE UNIQUE INDEX events_by_client_id ON events(client_id, conv_id);
  CREATE INDEX events_by_time ON events(sent_at);
  CREATE INDEX events_by_target ON events(conv_id, ref_id) WHERE ref_id IS NOT NULL;
  CREATE INDEX events_expiring ON events(expires_at) WHERE expires_at IS NOT NULL AND deleted = 0;
  CREATE TABLE reactions (
    conv_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    emoji   TEXT NOT NULL,
    PRIMARY KEY (conv_id, seq, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE hidden (
    user_id INTEGER NOT NULL,
    conv_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (user_id, conv_id, seq)
  ) WITHOUT ROWID;
  ALTER TABLE conversations ADD COLUMN timer_seconds INTEGER NOT NULL DEFAULT 0;
  CREATE VIRTUAL TABLE events_search USING fts5(
    text, content = '', tokenize = 'unicode61 remove_diacritics 2'
  );
  INSERT INTO events_search(events_search, rank) VALUES ('secure-delete', 1);
  -- Events up to this id have been looked at by the search indexer (indexForSearch), which runs
  -- beside the appends rather than in them; the existing messages are indexed the same way.
  CREATE TABLE search_state (indexed_to INTEGER NOT NULL);
  INSERT INTO search_state (indexed_to) VALUES (0);
  `,
  // Invitations (issue 13): with --registration invite, registering uses up one of an invite's uses.
  // Only the code's SHA-256 is kept, as with session tokens.
  `
  CREATE TABLE invites (
    code_hash  TEXT PRIMARY KEY,
    uses_left  INTEGER NOT NULL CHECK (uses_left >= 0),
    expires_at INTEGER,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // Deactivation by the operator (issue 13, chat-server admin deactivate): null while the account is active.
  `
  ALTER TABLE users ADD COLUMN deactivated_at INTEGER;
  `,
  // Contacts, blocks and group invitations (issue 13). Presence, typing and receipts flow only between
  // people who count each other as contacts, so a stranger learns nothing; those who wrote to each
  // other before this release stay contacts: whoever sent an event in a direct conversation counts
  // the other member.
  `
  CREATE TABLE contacts (
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    contact_id INTEGER NOT NULL REFERENCES users(id),
    since      INTEGER NOT NULL,
    PRIMARY KEY (owner_id, contact_id)
  ) WITHOUT ROWID;
  INSERT INTO contacts (owner_id, contact_id, since)
    SELECT e.sender_id, m.user_id, min(e.sent_at)
    FROM events e JOIN conversations c ON c.id = e.conv_id AND c.kind = 'direct'
      JOIN members m ON m.conv_id = e.conv_id AND m.user_id != e.sender_id
    GROUP BY e.sender_id, m.user_id;
  CREATE TABLE blocks (
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    blocked_id INTEGER NOT NULL REFERENCES users(id),
    since      INTEGER NOT NULL,
    PRIMARY KEY (owner_id, blocked_id)
  ) WITHOUT ROWID;
  CREATE TABLE group_invites (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    conv_id    INTEGER NOT NULL REFERENCES conversations(id),
    inviter_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, conv_id)
  ) WITHOUT ROWID;
  ALTER TABLE users ADD COLUMN group_adds TEXT NOT NULL DEFAULT 'everyone' CHECK (group_adds IN ('everyone', 'contacts', 'nobody'));
  `,
  // Accounts deleted by their owner or the operator (issue 13): the row stays, renamed '~<id>' so its name is
  // free, and shows as "deleted account" beside the messages it sent; the name waits in retired_names for
  // --name-reuse-days before anyone may register it again.
  `
  ALTER TABLE users ADD COLUMN deleted_at INTEGER;
  CREATE TABLE retired_names (
    name       TEXT PRIMARY KEY,
    retired_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // Attachments (issue 16): an upload is the attachment-to-be; a message carries one by id. The bytes
  // are files under the data directory (attachments/), not rows. A deleted message keeps its
  // attachment_id, so the sweep can tell an attachment whose messages were all deleted from one not sent yet.
  `
  CREATE TABLE attachments (
    id         TEXT PRIMARY KEY,
    owner_id   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    preview    TEXT,
    created_at INTEGER NOT NULL,
    sha256     TEXT,
    type       TEXT
  ) WITHOUT ROWID;
  CREATE INDEX attachments_by_time ON attachments(created_at);
  ALTER TABLE events ADD COLUMN attachment_id TEXT;
  CREATE INDEX events_by_attachment ON events(attachment_id) WHERE attachment_id IS NOT NULL;
  `,
];

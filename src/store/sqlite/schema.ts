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
];

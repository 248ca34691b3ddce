-- Contacts, blocks and group invitations (issue 13). Presence, typing and receipts flow only between
-- people who count each other as contacts, so a stranger learns nothing; those who wrote to each other
-- before this release stay contacts: whoever sent an event in a direct conversation counts the other member.

CREATE TABLE contacts (
  owner_id   bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  contact_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  since      bigint NOT NULL,
  PRIMARY KEY (owner_id, contact_id)
);

INSERT INTO contacts (owner_id, contact_id, since)
  SELECT e.sender_id, m.user_id, min(e.sent_at)
  FROM events e JOIN conversations c ON c.id = e.conv_id AND c.kind = 'direct'
    JOIN members m ON m.conv_id = e.conv_id AND m.user_id <> e.sender_id
  GROUP BY e.sender_id, m.user_id;

CREATE TABLE blocks (
  owner_id   bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  blocked_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  since      bigint NOT NULL,
  PRIMARY KEY (owner_id, blocked_id)
);

CREATE TABLE group_invites (
  user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  conv_id    bigint NOT NULL REFERENCES conversations ON DELETE CASCADE,
  inviter_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  created_at bigint NOT NULL,
  PRIMARY KEY (user_id, conv_id)
);

ALTER TABLE users ADD COLUMN group_adds text NOT NULL DEFAULT 'everyone' CHECK (group_adds IN ('everyone', 'contacts', 'nobody'));

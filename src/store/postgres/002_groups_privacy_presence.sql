-- Groups, privacy switches and "last seen" (issue 4).

ALTER TABLE users
  ADD COLUMN hide_last_seen boolean NOT NULL DEFAULT false,
  ADD COLUMN read_receipts  boolean NOT NULL DEFAULT true,
  ADD COLUMN last_seen      bigint;  -- null until the user first goes offline

ALTER TABLE members
  ADD COLUMN role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member'));

-- A group is addressed by its name (#team), so no two groups share one; direct conversations have none.
CREATE UNIQUE INDEX conversations_by_group_name ON conversations (name) WHERE kind = 'group';

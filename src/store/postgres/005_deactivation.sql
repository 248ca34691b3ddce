-- Deactivation by the operator (issue 13, chat-server admin deactivate): null while the account is active.

ALTER TABLE users ADD COLUMN deactivated_at bigint;

-- Disabled accounts (fechatter admin users disable) and the audit log of
-- administrative actions. Times are unix microseconds; disabled_at is NULL
-- for an account that may sign in.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;

-- actor is who acted as shown ("cli:root", or the user's username);
-- actor_id is that user's id, 0 for the CLI; source is where from
-- ("local" for the CLI, the client IP for the API). target_user_id and
-- workspace_id are 0 when the action has none; detail is a short JSON
-- object. No foreign keys: the record outlives what it is about.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    actor_id       INTEGER NOT NULL DEFAULT 0,
    source         TEXT    NOT NULL DEFAULT '',
    action         TEXT    NOT NULL,
    target_user_id INTEGER NOT NULL DEFAULT 0,
    workspace_id   INTEGER NOT NULL DEFAULT 0,
    detail         TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- Integrations (storage.Integrations): bot accounts that workspace admins
-- create, their API tokens (only a SHA-256 of each token is kept), and
-- the workspace's incoming webhooks, outgoing webhooks and slash-command
-- integrations in one table told apart by kind. Times are unix microseconds.
CREATE TABLE workspace_bots (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_by   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX workspace_bots_workspace ON workspace_bots (workspace_id);

CREATE TABLE bot_tokens (
    id           INTEGER PRIMARY KEY,
    bot_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE,
    hint         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX bot_tokens_workspace ON bot_tokens (workspace_id);

CREATE TABLE integrations (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('incoming', 'outgoing', 'command')),
    name          TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    chat_ids      TEXT    NOT NULL,
    trigger_words TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    secret        TEXT    NOT NULL UNIQUE,
    bot_id        INTEGER NOT NULL REFERENCES users (id),
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX integrations_workspace ON integrations (workspace_id, kind);
CREATE UNIQUE INDEX integrations_command_name ON integrations (workspace_id, name) WHERE kind = 'command';

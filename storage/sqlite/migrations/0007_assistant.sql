-- The assistant (storage.Assistant): each workspace's settings, its own
-- slash commands, and the tokens it spent per UTC day (the daily budget).
-- Times are unix microseconds.
CREATE TABLE assistant_settings (
    workspace_id  INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    enabled       INTEGER NOT NULL,
    system_prompt TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE assistant_commands (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    template     TEXT    NOT NULL,
    created_by   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE assistant_usage (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    day          TEXT    NOT NULL,
    tokens       INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day)
);

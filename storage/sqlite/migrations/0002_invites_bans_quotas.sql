-- Workspace bans (a banned user cannot join through any invite) and an
-- index for per-user storage usage. Times are integer unix microseconds (UTC).

CREATE TABLE workspace_bans (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    banned_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
) WITHOUT ROWID;

CREATE INDEX files_uploader ON files (uploader_id);

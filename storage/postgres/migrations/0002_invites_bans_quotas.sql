-- Workspace bans (a banned user cannot join through any invite) and an
-- index for per-user storage usage.

CREATE TABLE workspace_bans (
    workspace_id bigint      NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    banned_by    bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE INDEX files_uploader ON files (uploader_id);

-- Fechatter schema, SQLite dialect. Times are integer unix microseconds (UTC).

CREATE TABLE users (
    id                 INTEGER PRIMARY KEY,
    email              TEXT    NOT NULL,
    username           TEXT    NOT NULL,
    display_name       TEXT    NOT NULL DEFAULT '',
    avatar_url         TEXT    NOT NULL DEFAULT '',
    locale             TEXT    NOT NULL DEFAULT '',
    timezone           TEXT    NOT NULL DEFAULT '',
    is_bot             INTEGER NOT NULL DEFAULT 0,
    is_admin           INTEGER NOT NULL DEFAULT 0,
    password_hash      TEXT    NOT NULL DEFAULT '',
    tokens_valid_after INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE workspaces (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE workspace_members (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    joined_at    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
) WITHOUT ROWID;
CREATE INDEX workspace_members_user ON workspace_members (user_id);

CREATE TABLE invites (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    code_hash    TEXT    NOT NULL UNIQUE,
    created_by   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    max_uses     INTEGER NOT NULL DEFAULT 0, -- 0: unlimited
    uses         INTEGER NOT NULL DEFAULT 0,
    expires_at   INTEGER,                    -- NULL: never
    created_at   INTEGER NOT NULL
);
CREATE INDEX invites_workspace ON invites (workspace_id);

CREATE TABLE chats (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    type             TEXT    NOT NULL CHECK (type IN ('direct', 'group', 'private_channel', 'public_channel')),
    name             TEXT    NOT NULL DEFAULT '',
    topic            TEXT    NOT NULL DEFAULT '',
    created_by       INTEGER NOT NULL REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL,
    direct_key       TEXT -- NULL unless direct
);
CREATE UNIQUE INDEX chats_channel_name ON chats (workspace_id, lower(name))
    WHERE type IN ('public_channel', 'private_channel');
CREATE UNIQUE INDEX chats_direct_key ON chats (workspace_id, direct_key)
    WHERE direct_key IS NOT NULL;
CREATE INDEX chats_workspace_type ON chats (workspace_id, type);

CREATE TABLE chat_members (
    chat_id       INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
    joined_at     INTEGER NOT NULL,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX chat_members_user ON chat_members (user_id, chat_id);

-- workspace_id is denormalised from the chat for scoping; deleting the chat
-- (or its workspace, through the chat) takes the messages with it.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    sender_id    INTEGER NOT NULL REFERENCES users (id),
    content      TEXT    NOT NULL DEFAULT '',
    client_id    TEXT    NOT NULL DEFAULT '',
    reply_to     INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    reply_count  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    edited_at    INTEGER,
    deleted_at   INTEGER,
    UNIQUE (chat_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (chat_id, sender_id, client_id)
    WHERE client_id <> '';
CREATE INDEX messages_reply_to ON messages (reply_to, seq);

CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    uploader_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX files_workspace ON files (workspace_id);
CREATE INDEX files_sha256 ON files (sha256);

CREATE TABLE message_files (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    file_id    INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, file_id)
) WITHOUT ROWID;
CREATE INDEX message_files_file ON message_files (file_id);

CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
) WITHOUT ROWID;

-- chat_id is denormalised so that mention lists join the reader's marker.
CREATE TABLE mentions (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id    INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id)
) WITHOUT ROWID;
CREATE INDEX mentions_user ON mentions (user_id, message_id);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   TEXT    NOT NULL DEFAULT '',
    ip           TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    hash       TEXT    PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- No foreign keys: an event outlives what it describes (workspace.deleted).
-- AUTOINCREMENT so that a seq is never reused: it is the commit order.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT    NOT NULL UNIQUE,
    type         TEXT    NOT NULL,
    workspace_id INTEGER NOT NULL DEFAULT 0,
    chat_id      INTEGER NOT NULL DEFAULT 0,
    actor_id     INTEGER NOT NULL DEFAULT 0,
    payload      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    published_at INTEGER
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

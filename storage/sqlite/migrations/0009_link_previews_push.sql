-- Link previews and Web Push (storage.Previews, storage.PushSubscriptions).
-- link_previews caches what one URL's page says (or that fetching it
-- failed, ok = 0) until expires_at; message_previews says which URL's
-- preview a message shows, and whether its author removed it;
-- preview_settings holds a workspace's switches (no row: both on).
-- Times are unix microseconds.
CREATE TABLE link_previews (
    url         TEXT    PRIMARY KEY,
    ok          INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    site_name   TEXT    NOT NULL,
    image_url   TEXT    NOT NULL,
    fetched_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE message_previews (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    removed    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE preview_settings (
    workspace_id          INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    link_previews         INTEGER NOT NULL,
    notification_previews INTEGER NOT NULL
);

CREATE TABLE push_subscriptions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint   TEXT    NOT NULL UNIQUE,
    p256dh     TEXT    NOT NULL,
    auth       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Drafts and notification preferences (storage.Prefs): one unsent text per
-- user, chat and thread (thread_id 0 is the chat itself), the chats a user
-- muted, and each user's do-not-disturb and sound settings. Times are unix
-- microseconds.
CREATE TABLE drafts (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    thread_id  INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, chat_id, thread_id)
) WITHOUT ROWID;
CREATE INDEX drafts_chat ON drafts (chat_id);

CREATE TABLE chat_mutes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, chat_id)
) WITHOUT ROWID;
CREATE INDEX chat_mutes_chat ON chat_mutes (chat_id);

CREATE TABLE notification_settings (
    user_id          INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sound            INTEGER NOT NULL,
    dnd_until        INTEGER,
    schedule_enabled INTEGER NOT NULL,
    schedule_start   TEXT    NOT NULL,
    schedule_end     TEXT    NOT NULL,
    updated_at       INTEGER NOT NULL
);

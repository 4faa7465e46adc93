-- Drafts and notification preferences (storage.Prefs): one unsent text per
-- user, chat and thread (thread_id 0 is the chat itself), the chats a user
-- muted, and each user's do-not-disturb and sound settings.
CREATE TABLE drafts (
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id    bigint      NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    thread_id  bigint      NOT NULL,
    text       text        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, chat_id, thread_id)
);
CREATE INDEX drafts_chat ON drafts (chat_id);

CREATE TABLE chat_mutes (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, chat_id)
);
CREATE INDEX chat_mutes_chat ON chat_mutes (chat_id);

CREATE TABLE notification_settings (
    user_id          bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sound            boolean     NOT NULL,
    dnd_until        timestamptz,
    schedule_enabled boolean     NOT NULL,
    schedule_start   text        NOT NULL,
    schedule_end     text        NOT NULL,
    updated_at       timestamptz NOT NULL
);

-- Channel settings and onboarding (issue 15): a longer description beside
-- the one-line topic; archived_at (microseconds, NULL while live) makes a
-- channel read-only and hides it from browsing; auto_join marks the
-- channels a new workspace member is put in (#general, #random).
ALTER TABLE chats ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN archived_at INTEGER;
ALTER TABLE chats ADD COLUMN auto_join INTEGER NOT NULL DEFAULT 0;

-- Pinned messages, per chat.
CREATE TABLE chat_pins (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    pinned_by  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pinned_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

-- Saved messages (bookmarks), per user.
CREATE TABLE saved_messages (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    saved_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, message_id)
);

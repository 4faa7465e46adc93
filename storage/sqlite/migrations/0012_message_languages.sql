-- Languages (storage.Languages): the detected language of each message
-- ('' until detected), translations cached per message, target and
-- version (source_hash is the SHA-256 of the text translated), and each
-- user's language and automatic-translation setting. Times are unix
-- microseconds.
ALTER TABLE messages ADD COLUMN lang TEXT NOT NULL DEFAULT '';

CREATE TABLE message_translations (
    message_id      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    target          TEXT    NOT NULL,
    source_hash     TEXT    NOT NULL,
    source_language TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (message_id, target)
);

CREATE TABLE user_languages (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    language       TEXT    NOT NULL,
    auto_translate INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

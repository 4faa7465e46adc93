-- Languages (storage.Languages): the detected language of each message
-- ('' until detected), translations cached per message, target and
-- version (source_hash is the SHA-256 of the text translated), and each
-- user's language and automatic-translation setting.
ALTER TABLE messages ADD COLUMN lang text NOT NULL DEFAULT '';

CREATE TABLE message_translations (
    message_id      bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    target          text        NOT NULL,
    source_hash     text        NOT NULL,
    source_language text        NOT NULL,
    text            text        NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (message_id, target)
);

CREATE TABLE user_languages (
    user_id        bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    language       text        NOT NULL,
    auto_translate boolean     NOT NULL,
    updated_at     timestamptz NOT NULL
);

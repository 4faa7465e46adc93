-- Mail to users: single-use account tokens (password reset, email change)
-- kept only as SHA-256 hashes, and the email digest's state per user.
-- Times are unix microseconds.
CREATE TABLE account_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT    NOT NULL UNIQUE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('password_reset', 'email_change')),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX account_tokens_user ON account_tokens (user_id);

-- No row: digests on, nothing sent yet. sent_upto is the highest message
-- id a digest included, so the same unread messages are mailed once.
CREATE TABLE email_digests (
    user_id   INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    enabled   INTEGER NOT NULL DEFAULT 1,
    sent_upto INTEGER NOT NULL DEFAULT 0,
    sent_at   INTEGER
);

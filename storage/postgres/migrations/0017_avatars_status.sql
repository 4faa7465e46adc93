-- Profiles (issue 15): an uploaded avatar is a blob in the files store,
-- named by avatar_sha256 ('' for none); avatar_url then holds the URL the
-- server serves it at. A status is an emoji and a short text, cleared at
-- status_expires_at (NULL for never). Readers drop an expired status, so
-- nothing has to sweep them.
ALTER TABLE users ADD COLUMN avatar_sha256 text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN status_emoji text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN status_text text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN status_expires_at timestamptz;

-- External avatar URLs leaked every reader's IP address to a third party;
-- only avatars the server stores are shown now.
UPDATE users SET avatar_url = '' WHERE avatar_sha256 = '';

-- Single sign-on and two-factor authentication (storage.Identities,
-- storage.SecondFactors).

-- An account at an OpenID provider, linked to a user by (issuer, subject).
CREATE TABLE user_identities (
    issuer     text        NOT NULL,
    subject    text        NOT NULL,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- A user's TOTP factor; secret is sealed by the auth package.
CREATE TABLE user_totp (
    user_id      bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       text        NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint      NOT NULL DEFAULT 0,
    failures     integer     NOT NULL DEFAULT 0,
    locked_until timestamptz,
    created_at   timestamptz NOT NULL
);

-- Single-use recovery codes, stored as SHA-256 hashes.
CREATE TABLE user_recovery_codes (
    user_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text        NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Members of a workspace that requires it must use a second factor.
ALTER TABLE workspaces ADD COLUMN require_2fa boolean NOT NULL DEFAULT false;

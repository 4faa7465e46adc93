-- TLS certificates, keys and the ACME account shared by the nodes of a
-- cluster (storage.Certs), and the locks that let one node at a time talk
-- to the CA. Keys compare bytewise (COLLATE "C") so prefixes sort as paths.
CREATE TABLE certs (
    key         TEXT COLLATE "C" PRIMARY KEY,
    value       BYTEA       NOT NULL,
    modified_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE cert_locks (
    name       TEXT        PRIMARY KEY,
    owner      TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

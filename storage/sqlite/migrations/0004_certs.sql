-- TLS certificates, keys and the ACME account shared by the nodes of a
-- cluster (storage.Certs), and the locks that let one node at a time talk
-- to the CA. Times are unix microseconds.
CREATE TABLE certs (
    key         TEXT    PRIMARY KEY,
    value       BLOB    NOT NULL,
    modified_at INTEGER NOT NULL
);

CREATE TABLE cert_locks (
    name       TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

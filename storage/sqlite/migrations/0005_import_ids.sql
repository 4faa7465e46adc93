-- What imports brought in (fechatter import slack / import fechatter): one
-- row per imported object, from its id in the source (a Slack user id, a
-- channel id, "C123/1512085950.000216" for a message) to ours, so that
-- running the same import again adds nothing.
CREATE TABLE import_ids (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    source       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    local_id     INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, source, kind, external_id)
) WITHOUT ROWID;

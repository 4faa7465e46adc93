-- The assistant's knowledge base (storage.Knowledge): documents a
-- workspace's admins uploaded, cut into overlapping chunks, and each
-- chunk's embedding (float32 little-endian) by the model that made it.
-- Times are unix microseconds.
CREATE TABLE knowledge_documents (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    title        TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    bytes        INTEGER NOT NULL,
    created_by   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX knowledge_documents_workspace ON knowledge_documents (workspace_id);

CREATE TABLE knowledge_chunks (
    id              INTEGER PRIMARY KEY,
    document_id     INTEGER NOT NULL REFERENCES knowledge_documents (id) ON DELETE CASCADE,
    workspace_id    INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    text            TEXT    NOT NULL,
    embedding       BLOB,
    embedding_model TEXT,
    UNIQUE (document_id, seq)
);
CREATE INDEX knowledge_chunks_workspace ON knowledge_chunks (workspace_id);

package sqlite

import (
	"context"
	"database/sql"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// CreateKnowledgeDocument inserts d and its chunks in one transaction.
func (q *queries) CreateKnowledgeDocument(ctx context.Context, d *model.KnowledgeDocument, chunks []string) error {
	created := orNow(d.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO knowledge_documents (workspace_id, title, format, bytes,
			created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			d.WorkspaceID, d.Title, d.Format, d.Bytes, d.CreatedBy, micros(created)).Scan(&d.ID)
		if err != nil {
			return wrap("create knowledge document", err)
		}
		for i, text := range chunks {
			if _, err := q.w.ExecContext(ctx, `INSERT INTO knowledge_chunks (document_id, workspace_id, seq, text)
				VALUES (?, ?, ?, ?)`, d.ID, d.WorkspaceID, i, text); err != nil {
				return wrap("create knowledge chunk", err)
			}
		}
		d.CreatedAt, d.Chunks, d.Embedded = created, len(chunks), 0
		return nil
	})
}

// KnowledgeDocuments lists a workspace's documents, oldest first.
func (q *queries) KnowledgeDocuments(ctx context.Context, workspaceID int64, embeddingModel string) ([]model.KnowledgeDocument, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT d.id, d.workspace_id, d.title, d.format, d.bytes, d.created_by, d.created_at,
		(SELECT count(*) FROM knowledge_chunks c WHERE c.document_id = d.id),
		(SELECT count(*) FROM knowledge_chunks c WHERE c.document_id = d.id AND c.embedding_model = ?)
		FROM knowledge_documents d WHERE d.workspace_id = ? ORDER BY d.id`, embeddingModel, workspaceID)
	if err != nil {
		return nil, wrap("knowledge documents", err)
	}
	defer rows.Close()
	out := []model.KnowledgeDocument{}
	for rows.Next() {
		var d model.KnowledgeDocument
		var created int64
		if err := rows.Scan(&d.ID, &d.WorkspaceID, &d.Title, &d.Format, &d.Bytes, &d.CreatedBy, &created,
			&d.Chunks, &d.Embedded); err != nil {
			return nil, wrap("knowledge documents", err)
		}
		d.CreatedAt = fromMicros(created)
		out = append(out, d)
	}
	return out, wrap("knowledge documents", rows.Err())
}

// DeleteKnowledgeDocument deletes a document; its chunks go with it.
func (q *queries) DeleteKnowledgeDocument(ctx context.Context, workspaceID, documentID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM knowledge_documents WHERE id = ? AND workspace_id = ?`,
			documentID, workspaceID)
		return mustAffect("delete knowledge document", res, err)
	})
}

// KnowledgeChunks returns a document's chunks in order.
func (q *queries) KnowledgeChunks(ctx context.Context, workspaceID, documentID int64) ([]model.KnowledgeChunk, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, document_id, workspace_id, seq, text FROM knowledge_chunks
		WHERE workspace_id = ? AND document_id = ? ORDER BY seq`, workspaceID, documentID)
	return scanChunks(rows, err, "knowledge chunks")
}

// KnowledgeChunksByID returns the workspace's chunks among ids.
func (q *queries) KnowledgeChunksByID(ctx context.Context, workspaceID int64, ids []int64) ([]model.KnowledgeChunk, error) {
	if len(ids) == 0 {
		return []model.KnowledgeChunk{}, nil
	}
	args := append([]any{workspaceID}, int64Args(ids)...)
	rows, err := q.r.QueryContext(ctx, `SELECT id, document_id, workspace_id, seq, text FROM knowledge_chunks
		WHERE workspace_id = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
	return scanChunks(rows, err, "knowledge chunks by id")
}

// ChunksToEmbed returns chunks without an embedding of embeddingModel.
func (q *queries) ChunksToEmbed(ctx context.Context, embeddingModel string, limit int) ([]model.KnowledgeChunk, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, document_id, workspace_id, seq, text FROM knowledge_chunks
		WHERE embedding_model IS NULL OR embedding_model <> ? ORDER BY id LIMIT ?`, embeddingModel, limit)
	return scanChunks(rows, err, "chunks to embed")
}

func scanChunks(rows *sql.Rows, err error, op string) ([]model.KnowledgeChunk, error) {
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []model.KnowledgeChunk{}
	for rows.Next() {
		var c model.KnowledgeChunk
		if err := rows.Scan(&c.ID, &c.DocumentID, &c.WorkspaceID, &c.Seq, &c.Text); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, c)
	}
	return out, wrap(op, rows.Err())
}

// KnowledgeEmbeddings returns the workspace's embedded chunks.
func (q *queries) KnowledgeEmbeddings(ctx context.Context, workspaceID int64, embeddingModel string) ([]model.KnowledgeChunk, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, document_id, embedding FROM knowledge_chunks
		WHERE workspace_id = ? AND embedding_model = ? ORDER BY id`, workspaceID, embeddingModel)
	if err != nil {
		return nil, wrap("knowledge embeddings", err)
	}
	defer rows.Close()
	out := []model.KnowledgeChunk{}
	for rows.Next() {
		c := model.KnowledgeChunk{WorkspaceID: workspaceID}
		var b []byte
		if err := rows.Scan(&c.ID, &c.DocumentID, &b); err != nil {
			return nil, wrap("knowledge embeddings", err)
		}
		c.Embedding = storage.DecodeVector(b)
		out = append(out, c)
	}
	return out, wrap("knowledge embeddings", rows.Err())
}

// PutKnowledgeEmbedding stores a chunk's embedding.
func (q *queries) PutKnowledgeEmbedding(ctx context.Context, chunkID int64, embeddingModel string, vec []float32) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `UPDATE knowledge_chunks SET embedding = ?, embedding_model = ? WHERE id = ?`,
			storage.EncodeVector(vec), embeddingModel, chunkID)
		return wrap("put knowledge embedding", err)
	})
}

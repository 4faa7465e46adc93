package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// CreateKnowledgeDocument inserts d and its chunks in one transaction.
func (q *queries) CreateKnowledgeDocument(ctx context.Context, d *model.KnowledgeDocument, chunks []string) error {
	created := orNow(d.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.db.QueryRow(ctx, `INSERT INTO knowledge_documents (workspace_id, title, format, bytes,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			d.WorkspaceID, d.Title, d.Format, d.Bytes, d.CreatedBy, created).Scan(&d.ID)
		if err != nil {
			return wrap("create knowledge document", err)
		}
		seqs := make([]int32, len(chunks))
		for i := range chunks {
			seqs[i] = int32(i)
		}
		_, err = q.db.Exec(ctx, `INSERT INTO knowledge_chunks (document_id, workspace_id, seq, text)
			SELECT $1, $2, s, t FROM unnest($3::integer[], $4::text[]) AS u(s, t)`,
			d.ID, d.WorkspaceID, seqs, chunks)
		if err != nil {
			return wrap("create knowledge chunks", err)
		}
		d.CreatedAt, d.Chunks, d.Embedded = created.UTC(), len(chunks), 0
		return nil
	})
}

// KnowledgeDocuments lists a workspace's documents, oldest first.
func (q *queries) KnowledgeDocuments(ctx context.Context, workspaceID int64, embeddingModel string) ([]model.KnowledgeDocument, error) {
	rows, err := q.db.Query(ctx, `SELECT d.id, d.workspace_id, d.title, d.format, d.bytes, d.created_by, d.created_at,
		(SELECT count(*) FROM knowledge_chunks c WHERE c.document_id = d.id),
		(SELECT count(*) FROM knowledge_chunks c WHERE c.document_id = d.id AND c.embedding_model = $1)
		FROM knowledge_documents d WHERE d.workspace_id = $2 ORDER BY d.id`, embeddingModel, workspaceID)
	if err != nil {
		return nil, wrap("knowledge documents", err)
	}
	defer rows.Close()
	out := []model.KnowledgeDocument{}
	for rows.Next() {
		var d model.KnowledgeDocument
		if err := rows.Scan(&d.ID, &d.WorkspaceID, &d.Title, &d.Format, &d.Bytes, &d.CreatedBy, &d.CreatedAt,
			&d.Chunks, &d.Embedded); err != nil {
			return nil, wrap("knowledge documents", err)
		}
		d.CreatedAt = d.CreatedAt.UTC()
		out = append(out, d)
	}
	return out, wrap("knowledge documents", rows.Err())
}

// DeleteKnowledgeDocument deletes a document; its chunks go with it.
func (q *queries) DeleteKnowledgeDocument(ctx context.Context, workspaceID, documentID int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM knowledge_documents WHERE id = $1 AND workspace_id = $2`,
		documentID, workspaceID)
	return mustAffect("delete knowledge document", tag, err)
}

// KnowledgeChunks returns a document's chunks in order.
func (q *queries) KnowledgeChunks(ctx context.Context, workspaceID, documentID int64) ([]model.KnowledgeChunk, error) {
	rows, err := q.db.Query(ctx, `SELECT id, document_id, workspace_id, seq, text FROM knowledge_chunks
		WHERE workspace_id = $1 AND document_id = $2 ORDER BY seq`, workspaceID, documentID)
	return scanChunks(rows, err, "knowledge chunks")
}

// KnowledgeChunksByID returns the workspace's chunks among ids.
func (q *queries) KnowledgeChunksByID(ctx context.Context, workspaceID int64, ids []int64) ([]model.KnowledgeChunk, error) {
	rows, err := q.db.Query(ctx, `SELECT id, document_id, workspace_id, seq, text FROM knowledge_chunks
		WHERE workspace_id = $1 AND id = ANY($2)`, workspaceID, ids)
	return scanChunks(rows, err, "knowledge chunks by id")
}

// ChunksToEmbed returns chunks without an embedding of embeddingModel.
func (q *queries) ChunksToEmbed(ctx context.Context, embeddingModel string, limit int) ([]model.KnowledgeChunk, error) {
	rows, err := q.db.Query(ctx, `SELECT id, document_id, workspace_id, seq, text FROM knowledge_chunks
		WHERE embedding_model IS DISTINCT FROM $1 ORDER BY id LIMIT $2`, embeddingModel, limit)
	return scanChunks(rows, err, "chunks to embed")
}

func scanChunks(rows pgx.Rows, err error, op string) ([]model.KnowledgeChunk, error) {
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []model.KnowledgeChunk{}
	for rows.Next() {
		var c model.KnowledgeChunk
		var seq int32
		if err := rows.Scan(&c.ID, &c.DocumentID, &c.WorkspaceID, &seq, &c.Text); err != nil {
			return nil, wrap(op, err)
		}
		c.Seq = int(seq)
		out = append(out, c)
	}
	return out, wrap(op, rows.Err())
}

// KnowledgeEmbeddings returns the workspace's embedded chunks.
func (q *queries) KnowledgeEmbeddings(ctx context.Context, workspaceID int64, embeddingModel string) ([]model.KnowledgeChunk, error) {
	rows, err := q.db.Query(ctx, `SELECT id, document_id, embedding FROM knowledge_chunks
		WHERE workspace_id = $1 AND embedding_model = $2 ORDER BY id`, workspaceID, embeddingModel)
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
	_, err := q.db.Exec(ctx, `UPDATE knowledge_chunks SET embedding = $1, embedding_model = $2 WHERE id = $3`,
		storage.EncodeVector(vec), embeddingModel, chunkID)
	return wrap("put knowledge embedding", err)
}

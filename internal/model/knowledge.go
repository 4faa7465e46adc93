package model

import "time"

// KnowledgeDocument is a text a workspace's admins gave the assistant to
// answer from. Its text is kept as chunks (KnowledgeChunk).
type KnowledgeDocument struct {
	ID          int64  `json:"id"`
	WorkspaceID int64  `json:"workspace_id"`
	Title       string `json:"title"`
	// Format is "text" or "markdown".
	Format string `json:"format"`
	// Bytes is the size of the text as uploaded.
	Bytes int64 `json:"bytes"`
	// Chunks is how many chunks the text was cut into.
	Chunks int `json:"chunks"`
	// Embedded is how many of the chunks have an embedding of the
	// configured embedding model.
	Embedded  int       `json:"embedded"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// KnowledgeChunk is one piece of a document, the unit of retrieval.
type KnowledgeChunk struct {
	ID          int64
	DocumentID  int64
	WorkspaceID int64
	// Seq is the chunk's place in its document, from 0.
	Seq  int
	Text string
	// Embedding is the chunk's vector when it was read with one.
	Embedding []float32
}

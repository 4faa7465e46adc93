package bot

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// KnowledgeStore is what the knowledge base keeps in the database.
// storage.Store satisfies it.
type KnowledgeStore interface {
	CreateKnowledgeDocument(ctx context.Context, d *model.KnowledgeDocument, chunks []string) error
	KnowledgeDocuments(ctx context.Context, workspaceID int64, embeddingModel string) ([]model.KnowledgeDocument, error)
	DeleteKnowledgeDocument(ctx context.Context, workspaceID, documentID int64) error
	KnowledgeChunks(ctx context.Context, workspaceID, documentID int64) ([]model.KnowledgeChunk, error)
	KnowledgeChunksByID(ctx context.Context, workspaceID int64, ids []int64) ([]model.KnowledgeChunk, error)
	KnowledgeEmbeddings(ctx context.Context, workspaceID int64, embeddingModel string) ([]model.KnowledgeChunk, error)
	ChunksToEmbed(ctx context.Context, embeddingModel string, limit int) ([]model.KnowledgeChunk, error)
	PutKnowledgeEmbedding(ctx context.Context, chunkID int64, embeddingModel string, vec []float32) error
}

// Limits of the knowledge base.
const (
	// MaxDocumentBytes is the largest document text accepted.
	MaxDocumentBytes = 1 << 20
	maxTitleRunes    = 200
)

// Formats of a knowledge document.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
)

// DocumentInput is a document as an admin uploads it.
type DocumentInput struct {
	Title string
	// Format is "text" or "markdown"; empty means "text".
	Format string
	Text   string
}

// Documents lists the workspace's knowledge documents to any member: the
// answers cite them by title anyway.
func (s *Service) Documents(ctx context.Context, userID, wsID int64) ([]model.KnowledgeDocument, error) {
	if _, err := s.member(ctx, userID, wsID); err != nil {
		return nil, err
	}
	return s.store.KnowledgeDocuments(ctx, wsID, s.cfg.EmbeddingModel)
}

// AddDocument stores a document (admins only), cut into chunks, and puts
// it in the keyword index at once; embeddings follow in the background.
func (s *Service) AddDocument(ctx context.Context, userID, wsID int64, in DocumentInput) (model.KnowledgeDocument, error) {
	if err := s.admin(ctx, userID, wsID); err != nil {
		return model.KnowledgeDocument{}, err
	}
	in, err := checkDocument(in)
	if err != nil {
		return model.KnowledgeDocument{}, err
	}
	docs, err := s.store.KnowledgeDocuments(ctx, wsID, s.cfg.EmbeddingModel)
	if err != nil {
		return model.KnowledgeDocument{}, err
	}
	if len(docs) >= maxDocsPerWorkspace {
		return model.KnowledgeDocument{}, &Error{Kind: KindConflict, Message: "a workspace has at most 1000 documents"}
	}
	d := model.KnowledgeDocument{WorkspaceID: wsID, Title: in.Title, Format: in.Format, Bytes: int64(len(in.Text)), CreatedBy: userID}
	if err := s.store.CreateKnowledgeDocument(ctx, &d, chunkText(in.Text)); err != nil {
		return model.KnowledgeDocument{}, err
	}
	if err := s.syncIndex(ctx, wsID); err != nil {
		// The next question puts it right; the document is stored.
		s.log.Warn("index knowledge document", "error", err)
	}
	s.wakeEmbedder()
	return d, nil
}

func checkDocument(in DocumentInput) (DocumentInput, error) {
	in.Title = strings.TrimSpace(in.Title)
	switch {
	case in.Title == "":
		return in, invalid("title", "required")
	case utf8.RuneCountInString(in.Title) > maxTitleRunes:
		return in, invalid("title", "at most 200 characters")
	case len(in.Text) > MaxDocumentBytes:
		return in, invalid("text", "at most 1 MiB")
	case !validText([]byte(in.Text)):
		return in, invalid("text", "must be UTF-8 text")
	case strings.TrimSpace(in.Text) == "":
		return in, invalid("text", "required")
	}
	switch in.Format {
	case "":
		in.Format = FormatText
	case FormatText, FormatMarkdown:
	default:
		return in, invalid("format", `"text" or "markdown"`)
	}
	return in, nil
}

// DeleteDocument removes a document and its chunks (admins only).
func (s *Service) DeleteDocument(ctx context.Context, userID, wsID, docID int64) error {
	if err := s.admin(ctx, userID, wsID); err != nil {
		return err
	}
	if err := s.store.DeleteKnowledgeDocument(ctx, wsID, docID); err != nil {
		if chat.IsNotFound(err) {
			return &Error{Kind: KindNotFound, Message: "document not found"}
		}
		return err
	}
	if err := s.syncIndex(ctx, wsID); err != nil {
		s.log.Warn("unindex knowledge document", "error", err)
	}
	return nil
}

// syncIndex brings the keyword index in step with the database for one
// workspace, and returns its documents; without an index (not started)
// it does nothing.
func (s *Service) syncIndex(ctx context.Context, wsID int64) error {
	_, err := s.knowledgeDocs(ctx, wsID)
	return err
}

// knowledgeDocs reads the workspace's documents and makes the index hold
// exactly their chunks.
func (s *Service) knowledgeDocs(ctx context.Context, wsID int64) ([]model.KnowledgeDocument, error) {
	docs, err := s.store.KnowledgeDocuments(ctx, wsID, s.cfg.EmbeddingModel)
	if err != nil {
		return nil, err
	}
	idx := s.kbIndex()
	if idx == nil {
		return docs, nil
	}
	err = idx.sync(ctx, wsID, docs, func(docID int64) ([]model.KnowledgeChunk, error) {
		return s.store.KnowledgeChunks(ctx, wsID, docID)
	})
	return docs, err
}

func (s *Service) kbIndex() *kbIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kb
}

package client

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/fechatter/fechatter/internal/model"
)

// DocumentInput is a knowledge document sent as JSON.
type DocumentInput struct {
	Title string `json:"title"`
	// Format is "text" (the default) or "markdown".
	Format string `json:"format,omitempty"`
	Text   string `json:"text"`
}

func knowledgePath(wsID int64) string { return wsPath(wsID) + "/knowledge" }

// KnowledgeDocuments lists the workspace's knowledge documents.
func (c *Client) KnowledgeDocuments(ctx context.Context, wsID int64) ([]model.KnowledgeDocument, error) {
	var out struct {
		Documents []model.KnowledgeDocument `json:"documents"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: knowledgePath(wsID)}, &out)
	return out.Documents, err
}

// AddKnowledgeDocument adds a document to the knowledge base (admins).
func (c *Client) AddKnowledgeDocument(ctx context.Context, wsID int64, in DocumentInput) (model.KnowledgeDocument, error) {
	var d model.KnowledgeDocument
	_, err := c.call(ctx, request{method: http.MethodPost, path: knowledgePath(wsID), body: in}, &d)
	return d, err
}

// UploadKnowledgeDocument uploads a file as a document (admins): its name
// gives the title and, for .md, the Markdown format.
func (c *Client) UploadKnowledgeDocument(ctx context.Context, wsID int64, name string, r io.Reader) (model.KnowledgeDocument, error) {
	body, ctype, err := multipartFile(name, r)
	if err != nil {
		return model.KnowledgeDocument{}, err
	}
	var d model.KnowledgeDocument
	req := request{method: http.MethodPost, path: knowledgePath(wsID), raw: body, contentType: ctype}
	_, err = c.call(ctx, req, &d)
	return d, err
}

// DeleteKnowledgeDocument removes a document (admins).
func (c *Client) DeleteKnowledgeDocument(ctx context.Context, wsID, docID int64) error {
	path := knowledgePath(wsID) + "/" + strconv.FormatInt(docID, 10)
	_, err := c.call(ctx, request{method: http.MethodDelete, path: path}, nil)
	return err
}

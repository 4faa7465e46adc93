package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/bot"
)

// knowledgePath is the knowledge base of a workspace.
const knowledgePath = "/api/workspaces/:ws/knowledge"

// knowledgeBodyLimit bounds an upload: the largest document, escaped as
// JSON or wrapped in a multipart form.
const knowledgeBodyLimit = 4*bot.MaxDocumentBytes + multipartSlack

// documentRequest is the JSON body of POST .../knowledge.
type documentRequest struct {
	Title  string `json:"title"`
	Format string `json:"format"`
	Text   string `json:"text"`
}

func (s *server) knowledgeRoutes() []route {
	return []route{
		{method: http.MethodGet, path: knowledgePath, handle: s.listDocuments, doc: doc{
			tag: "assistant", summary: "The workspace's knowledge documents (members)",
			status: http.StatusOK, result: "KnowledgeDocumentList", errors: []int{http.StatusServiceUnavailable},
		}},
		{method: http.MethodPost, path: knowledgePath, handle: s.addDocument, doc: doc{
			tag:     "assistant",
			summary: "Add a plain-text or Markdown document to the knowledge base (admins): JSON {title, format, text}, or multipart with field file (and optional title, format); at most 1 MiB of UTF-8 text",
			body:    "KnowledgeDocumentRequest", multipart: true, status: http.StatusCreated, result: "KnowledgeDocument",
			errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusServiceUnavailable},
		}},
		{method: http.MethodDelete, path: knowledgePath + "/:document", handle: s.deleteDocument, doc: doc{
			tag: "assistant", summary: "Remove a document from the knowledge base (admins)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
		}},
	}
}

func (s *server) listDocuments(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	docs, err := s.assistant.Documents(c.Request.Context(), userID(c), ws)
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusOK, gin.H{"documents": docs})
	return nil
}

func (s *server) addDocument(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	in, err := documentInput(c.Request)
	if err != nil {
		return err
	}
	if len(in.Text) > bot.MaxDocumentBytes {
		return apperr.New(apperr.KindTooLarge, "a document holds at most 1 MiB of text")
	}
	d, err := s.assistant.AddDocument(c.Request.Context(), userID(c), ws, in)
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusCreated, d)
	return nil
}

// documentInput reads a document from a JSON or a multipart body.
func documentInput(r *http.Request) (bot.DocumentInput, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		var in documentRequest
		if err := decodeJSON(r, &in, bodyRequired); err != nil {
			return bot.DocumentInput{}, err
		}
		return bot.DocumentInput(in), nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return bot.DocumentInput{}, &apperr.Error{Kind: apperr.KindInvalid, Message: "malformed multipart body", Err: err}
	}
	var in bot.DocumentInput
	var name string
	seenFile := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return bot.DocumentInput{}, partError(err)
		}
		switch p.FormName() {
		case uploadField:
			seenFile, name = true, p.FileName()
			in.Text, err = readPart(p, bot.MaxDocumentBytes+1)
		case "title":
			in.Title, err = readPart(p, 4096)
		case "format":
			in.Format, err = readPart(p, 64)
		}
		if err != nil {
			return bot.DocumentInput{}, err
		}
		if err := p.Close(); err != nil {
			return bot.DocumentInput{}, partError(err)
		}
	}
	if !seenFile {
		return bot.DocumentInput{}, apperr.Field(uploadField, "required")
	}
	ext := strings.ToLower(path.Ext(name))
	if strings.TrimSpace(in.Title) == "" {
		in.Title = strings.TrimSuffix(path.Base(name), path.Ext(name))
	}
	if in.Format == "" && (ext == ".md" || ext == ".markdown") {
		in.Format = bot.FormatMarkdown
	}
	return in, nil
}

// readPart reads a part of at most limit bytes (more is cut at limit, for
// the caller to refuse).
func readPart(p *multipart.Part, limit int64) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, limit))
	if err != nil {
		return "", partError(err)
	}
	return string(b), nil
}

func partError(err error) error {
	if isMaxBytes(err) {
		return errTooLarge
	}
	return &apperr.Error{Kind: apperr.KindInvalid, Message: "malformed multipart body", Err: err}
}

func (s *server) deleteDocument(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "document", "document")
	if err != nil {
		return err
	}
	if err := s.assistant.DeleteDocument(c.Request.Context(), userID(c), ws, id); err != nil {
		return botErr(err)
	}
	c.Status(http.StatusNoContent)
	return nil
}

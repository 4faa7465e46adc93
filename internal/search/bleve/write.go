package bleve

import (
	"context"
	"fmt"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/fechatter/fechatter/internal/search"
)

// bleveDoc is a message as bleve indexes it (see indexMapping).
type bleveDoc struct {
	Workspace string  `json:"ws"`
	Chat      string  `json:"chat"`
	ChatType  string  `json:"ctype"`
	Sender    string  `json:"sender"`
	Time      float64 `json:"ts"`
	Content   string  `json:"text"`
	SenderUN  string  `json:"sun"`
	SenderDN  string  `json:"sdn"`
	Seq       float64 `json:"seq"`
	Prefix    string  `json:"pfx"`
	SortKey   string  `json:"sk"`
}

// Type tells bleve which document mapping applies.
func (bleveDoc) Type() string { return bleveDocType }

func id(v int64) string { return strconv.FormatInt(v, 10) }

func toBleve(d search.Doc) bleveDoc {
	return bleveDoc{
		Workspace: id(d.WorkspaceID), Chat: id(d.ChatID), ChatType: string(d.ChatType), Sender: id(d.SenderID),
		Time: float64(d.CreatedAt.UnixMilli()), Content: d.Content,
		SenderUN: d.SenderUsername, SenderDN: d.SenderName, Seq: float64(d.Seq),
		Prefix: d.Content, SortKey: sortKey(d),
	}
}

// Upsert implements Index.
func (e *Engine) Upsert(ctx context.Context, docs []search.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	err := e.use(func() error {
		b := e.idx.NewBatch()
		for _, d := range docs {
			if err := b.Index(id(d.ID), toBleve(d)); err != nil {
				return fmt.Errorf("document %d: %w", d.ID, err)
			}
		}
		// One upsert at a time: two computing the workspace chat sets from
		// the same base would each drop the other's new chats.
		e.upsertMu.Lock()
		defer e.upsertMu.Unlock()
		commit := e.labels.stage(b, docs)
		if err := ctx.Err(); err != nil {
			commit(false)
			return err
		}
		if err := e.idx.Batch(b); err != nil {
			commit(false)
			return err
		}
		commit(true)
		return nil
	})
	if err != nil {
		return fmt.Errorf("index %d documents: %w", len(docs), err)
	}
	return nil
}

// Delete implements Index. The workspace is checked so that a wrong id can
// never remove another tenant's message.
func (e *Engine) Delete(ctx context.Context, workspaceID int64, messageIDs []int64) error {
	if len(messageIDs) == 0 {
		return nil
	}
	ids := make([]string, len(messageIDs))
	for i, m := range messageIDs {
		ids[i] = id(m)
	}
	q := bleve.NewConjunctionQuery(termQ(fWorkspace, id(workspaceID), 0), bleve.NewDocIDQuery(ids))
	return e.deleteMatching(ctx, q, "delete messages")
}

// DeleteChat implements Index.
func (e *Engine) DeleteChat(ctx context.Context, workspaceID, chatID int64) error {
	q := bleve.NewConjunctionQuery(termQ(fWorkspace, id(workspaceID), 0), termQ(fChat, id(chatID), 0))
	return e.deleteMatching(ctx, q, "delete chat")
}

// DeleteWorkspace implements Index.
func (e *Engine) DeleteWorkspace(ctx context.Context, workspaceID int64) error {
	return e.deleteMatching(ctx, termQ(fWorkspace, id(workspaceID), 0), "delete workspace")
}

// deleteMatching deletes the documents matching q, a page at a time.
func (e *Engine) deleteMatching(ctx context.Context, q query.Query, what string) error {
	const page = 1000
	for {
		var n int
		err := e.use(func() error {
			req := bleve.NewSearchRequestOptions(q, page, 0, false)
			req.Score = "none"
			res, err := e.idx.SearchInContext(ctx, req)
			if err != nil {
				return err
			}
			b := e.idx.NewBatch()
			for _, h := range res.Hits {
				b.Delete(h.ID)
			}
			n = len(res.Hits)
			if n == 0 {
				return nil
			}
			return e.idx.Batch(b)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if n < page {
			return nil
		}
	}
}

// UpdateChat implements Index: chat names are resolved when a search
// answers, so a rename is one label write.
func (e *Engine) UpdateChat(_ context.Context, c search.ChatInfo) error {
	return e.use(func() error { return e.labels.setChat(c) })
}

// SetSettings implements Index.
func (e *Engine) SetSettings(_ context.Context, workspaceID int64, s search.Settings) error {
	return e.use(func() error { return e.labels.storeSettings(workspaceID, s) })
}

// Settings implements Index.
func (e *Engine) Settings(_ context.Context, workspaceID int64) (search.Settings, error) {
	var s search.Settings
	err := e.use(func() (err error) {
		s, err = e.labels.loadSettings(workspaceID)
		return err
	})
	return s, err
}

// termQ is an exact term query on a keyword field; boost 0 keeps filters
// out of the text score.
func termQ(field, term string, boost float64) *query.TermQuery {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

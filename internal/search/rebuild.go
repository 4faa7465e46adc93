package search

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/internal/model"
)

// RebuildBatch is how many messages Rebuild reads and indexes at a time.
const RebuildBatch = 1000

// Source is where Rebuild reads messages from; the appliance adapts storage
// to it.
type Source interface {
	ChatLookup
	// CountMessages counts the messages of a workspace (0: every workspace),
	// tombstones included; it only drives progress.
	CountMessages(ctx context.Context, workspaceID int64) (int, error)
	// AllMessages pages through the messages of a workspace (0: every
	// workspace) by ascending ID, those with ID > afterID, at most limit,
	// with Sender filled in; tombstones (Deleted) included.
	AllMessages(ctx context.Context, workspaceID, afterID int64, limit int) ([]model.Message, error)
}

// Rebuild refills idx from the database. With a workspace it first removes
// that workspace's documents, so the result holds exactly what the
// database holds; with workspaceID 0 it re-indexes everything over what is
// there (pass a fresh, empty index to drop stale documents too). Searches
// see a partial workspace while it runs. progress, if not nil, is called
// after each batch.
func Rebuild(ctx context.Context, src Source, idx Index, workspaceID int64, progress func(done, total int)) error {
	total, err := src.CountMessages(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	if workspaceID != 0 {
		if err := idx.DeleteWorkspace(ctx, workspaceID); err != nil {
			return fmt.Errorf("clear workspace %d: %w", workspaceID, err)
		}
	}
	r := rebuilder{src: src, idx: idx, chats: map[int64]*ChatInfo{}}
	done := 0
	for after := int64(0); ; {
		page, err := src.AllMessages(ctx, workspaceID, after, RebuildBatch)
		if err != nil {
			return fmt.Errorf("read messages after %d: %w", after, err)
		}
		if len(page) == 0 {
			return compact(ctx, idx)
		}
		if err := r.apply(ctx, page); err != nil {
			return err
		}
		after = page[len(page)-1].ID
		done += len(page)
		if progress != nil {
			progress(done, max(total, done))
		}
	}
}

// rebuilder turns pages of messages into index writes, remembering chats.
type rebuilder struct {
	src   Source
	idx   Index
	chats map[int64]*ChatInfo // nil value: the chat is gone
}

func (r *rebuilder) apply(ctx context.Context, page []model.Message) error {
	docs := make([]Doc, 0, len(page))
	gone := map[int64][]int64{} // workspace -> deleted message ids
	for _, m := range page {
		c, err := r.chat(ctx, m.ChatID)
		if err != nil {
			return err
		}
		if m.Deleted || c == nil {
			gone[m.WorkspaceID] = append(gone[m.WorkspaceID], m.ID)
			continue
		}
		docs = append(docs, DocFromMessage(m, *c))
	}
	if err := r.idx.Upsert(ctx, docs); err != nil {
		return fmt.Errorf("index batch: %w", err)
	}
	for ws, ids := range gone {
		if err := r.idx.Delete(ctx, ws, ids); err != nil {
			return fmt.Errorf("drop deleted messages: %w", err)
		}
	}
	return nil
}

func (r *rebuilder) chat(ctx context.Context, id int64) (*ChatInfo, error) {
	if c, ok := r.chats[id]; ok {
		return c, nil
	}
	mc, err := r.src.ChatByID(ctx, id)
	switch {
	case errors.Is(err, ErrChatGone):
		r.chats[id] = nil
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("look up chat %d: %w", id, err)
	}
	c := ChatInfoFromModel(mc)
	r.chats[id] = &c
	return &c, nil
}

// compacter is an Index that can merge itself after a bulk load.
type compacter interface {
	Compact(ctx context.Context) error
}

func compact(ctx context.Context, idx Index) error {
	if c, ok := idx.(compacter); ok {
		return c.Compact(ctx)
	}
	return nil
}

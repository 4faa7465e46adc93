package search

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// ApplyBatch applies events in stream order with as few index writes as
// the order allows: message creates, edits and deletes are gathered (one
// change per message: its state when written) and written together; a
// chat or workspace change first writes what was gathered before it, so it
// applies to those documents too. Writing one batch instead of one
// document per event is what lets the embedded index keep up: each write
// makes a segment that must later be merged.
func (ix *Indexer) ApplyBatch(ctx context.Context, batch []events.Envelope) error {
	w := &batchWriter{ix: ix, msgs: map[int64]*model.Message{}}
	for _, e := range batch {
		if err := ix.gather(ctx, w, e); err != nil {
			return err
		}
	}
	return w.flush(ctx)
}

// gather adds a message event to w, or flushes w and applies the event.
func (ix *Indexer) gather(ctx context.Context, w *batchWriter, e events.Envelope) error {
	switch e.Type {
	case model.EventMessageCreated, model.EventMessageUpdated, model.EventMessageDeleted:
	default:
		if err := w.flush(ctx); err != nil {
			return err
		}
		return ix.applyChatEvent(ctx, e)
	}
	p, err := decodePayload(e)
	if err != nil {
		return err
	}
	me, ok := p.(events.MessageEvent)
	if !ok || me.Message.ID == 0 {
		return events.Permanent(fmt.Errorf("%s without message", e.Type))
	}
	m := &me.Message // workspace and chat filled in from the event when missing
	if e.Type == model.EventMessageDeleted {
		m.Deleted = true
	}
	w.add(m)
	return nil
}

// batchWriter gathers the messages a batch touched, the last payload of
// each, and writes them in one upsert plus one delete per workspace.
type batchWriter struct {
	ix    *Indexer
	order []int64
	msgs  map[int64]*model.Message
}

func (w *batchWriter) add(m *model.Message) {
	if _, ok := w.msgs[m.ID]; !ok {
		w.order = append(w.order, m.ID)
	}
	w.msgs[m.ID] = m
}

// flush writes the gathered messages and starts over. With a
// MessageLookup the database's current state replaces the payloads; a
// message the database no longer has is deleted.
func (w *batchWriter) flush(ctx context.Context) error {
	if len(w.order) == 0 {
		return nil
	}
	if err := w.refresh(ctx); err != nil {
		return err
	}
	var docs []Doc
	deletes := map[int64][]int64{}
	goneChats := map[[2]int64]bool{}
	for _, id := range w.order {
		m := w.msgs[id]
		if m.Deleted {
			deletes[m.WorkspaceID] = append(deletes[m.WorkspaceID], id)
			continue
		}
		c, err := w.ix.chat(ctx, m.ChatID)
		if errors.Is(err, ErrChatGone) {
			goneChats[[2]int64{m.WorkspaceID, m.ChatID}] = true
			continue
		}
		if err != nil {
			return err
		}
		docs = append(docs, DocFromMessage(*m, c))
	}
	if err := w.ix.idx.Upsert(ctx, docs); err != nil {
		return err
	}
	for ws, ids := range deletes {
		if err := w.ix.idx.Delete(ctx, ws, ids); err != nil {
			return err
		}
	}
	for k := range goneChats {
		if err := w.ix.idx.DeleteChat(ctx, k[0], k[1]); err != nil {
			return err
		}
	}
	w.order, w.msgs = w.order[:0], map[int64]*model.Message{}
	return nil
}

// refresh replaces the gathered payloads with the messages as stored now.
func (w *batchWriter) refresh(ctx context.Context) error {
	if w.ix.msgs == nil {
		return nil
	}
	current, err := w.ix.msgs.MessagesByID(ctx, w.order)
	if err != nil {
		return fmt.Errorf("read %d messages: %w", len(w.order), err)
	}
	found := make(map[int64]bool, len(current))
	for i := range current {
		m := &current[i]
		found[m.ID] = true
		w.msgs[m.ID] = m
	}
	for _, id := range w.order {
		if !found[id] {
			w.msgs[id].Deleted = true // gone from the database: gone from the index
		}
	}
	return nil
}

package search_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// messageTable is an in-memory Source: the messages table of the test world.
type messageTable struct {
	chatTable
	msgs []model.Message // ascending id
}

func (s *messageTable) CountMessages(_ context.Context, ws int64) (int, error) {
	n := 0
	for _, m := range s.msgs {
		if ws == 0 || m.WorkspaceID == ws {
			n++
		}
	}
	return n, nil
}

func (s *messageTable) AllMessages(_ context.Context, ws, after int64, limit int) ([]model.Message, error) {
	var out []model.Message
	for _, m := range s.msgs {
		if m.ID > after && (ws == 0 || m.WorkspaceID == ws) && len(out) < limit {
			out = append(out, m)
		}
	}
	return out, nil
}

func TestRebuild(t *testing.T) {
	src := &messageTable{chatTable: chatTable{chats: map[int64]model.Chat{
		10: {ID: 10, WorkspaceID: 1, Type: model.ChatPublicChannel, Name: "general"},
		20: {ID: 20, WorkspaceID: 2, Type: model.ChatGroup, Name: "other"},
	}}}
	const n = 2500 // more than two batches
	for i := int64(1); i <= n; i++ {
		m := message(i, 10, fmt.Sprintf("note number %d", i))
		switch {
		case i%10 == 0:
			m.Deleted, m.Content = true, ""
		case i%7 == 0:
			m.ChatID, m.WorkspaceID = 20, 2
		case i%11 == 0:
			m.ChatID = 30 // a chat that is gone
		}
		src.msgs = append(src.msgs, m)
	}
	idx := openIndex(t)
	ctx := context.Background()
	stale := search.Doc{ID: 999999, WorkspaceID: 1, ChatID: 10, ChatType: model.ChatPublicChannel, Content: "stale"}
	if err := idx.Upsert(ctx, []search.Doc{stale}); err != nil {
		t.Fatal(err)
	}
	var calls, lastDone, lastTotal int
	err := search.Rebuild(ctx, src, idx, 1, func(done, total int) { calls, lastDone, lastTotal = calls+1, done, total })
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, m := range src.msgs {
		if m.WorkspaceID == 1 && !m.Deleted && m.ChatID == 10 {
			want++
		}
	}
	for _, tc := range []struct {
		ws   int64
		want int
	}{{1, want}, {2, 0}} {
		if got, _ := idx.Count(ctx, tc.ws); got != tc.want {
			t.Errorf("workspace %d has %d documents, want %d", tc.ws, got, tc.want)
		}
	}
	if lastDone != lastTotal || calls < 2 {
		t.Errorf("progress: %d calls, last %d/%d", calls, lastDone, lastTotal)
	}
	if err := search.Rebuild(ctx, src, idx, 0, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := idx.Count(ctx, 2); got == 0 {
		t.Error("rebuild of everything left workspace 2 empty")
	}
}

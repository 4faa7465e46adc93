package storagetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func outboxTests() []leaf {
	return []leaf{
		{"AppendAndRead", testOutboxAppend},
		{"PublishCycle", testOutboxPublish},
		{"PublishedAfter", testOutboxPublishedAfter},
	}
}

func appendEvents(t *testing.T, s storage.Store, n int) []model.Event {
	t.Helper()
	var out []model.Event
	for i := range n {
		e := model.Event{ID: fmt.Sprintf("ev-%d", i), Type: model.EventMessageCreated,
			WorkspaceID: 1, ChatID: int64(i), ActorID: 7, Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		if i%2 == 1 { // odd events were written inside a trace, even ones outside
			e.TraceParent = fmt.Sprintf("00-%032x-%016x-01", i+1, i+1)
		}
		noErr(t, s.AppendEvent(context.Background(), &e), "append event")
		out = append(out, e)
	}
	return out
}

func testOutboxAppend(t *testing.T, s storage.Store) {
	ctx := context.Background()
	evs := appendEvents(t, s, 3)
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Fatalf("seqs not increasing: %d then %d", evs[i-1].Seq, evs[i].Seq)
		}
	}
	recent(t, evs[0].CreatedAt, "created_at")
	dup := model.Event{ID: "ev-1", Type: "x", Payload: []byte(`{}`)}
	wantErr(t, s.AppendEvent(ctx, &dup), storage.ErrConflict, "duplicate event id")

	got, err := s.EventsAfter(ctx, 0, 10)
	noErr(t, err, "events after")
	if len(got) != 3 {
		t.Fatalf("events after 0 = %d events", len(got))
	}
	for i, e := range got {
		want := evs[i]
		if e.Seq != want.Seq || e.ID != want.ID || e.Type != want.Type || e.WorkspaceID != 1 ||
			e.ChatID != want.ChatID || e.ActorID != 7 || string(e.Payload) != string(want.Payload) || e.PublishedAt != nil ||
			e.TraceParent != want.TraceParent {
			t.Fatalf("event %d = %+v, want %+v", i, e, want)
		}
		sameTime(t, e.CreatedAt, want.CreatedAt, "created_at")
	}
	got, err = s.EventsAfter(ctx, evs[0].Seq, 1)
	noErr(t, err, "events after first, limit 1")
	if len(got) != 1 || got[0].Seq != evs[1].Seq {
		t.Fatalf("events after first = %+v", got)
	}
}

func testOutboxPublish(t *testing.T, s storage.Store) {
	ctx := context.Background()
	evs := appendEvents(t, s, 4)
	got, err := s.UnpublishedEvents(ctx, 2)
	noErr(t, err, "unpublished")
	if len(got) != 2 || got[0].Seq != evs[0].Seq || got[1].Seq != evs[1].Seq {
		t.Fatalf("unpublished, limit 2 = %+v", got)
	}
	noErr(t, s.MarkPublished(ctx, []int64{evs[0].Seq, evs[2].Seq}, ts(1)), "mark published")
	noErr(t, s.MarkPublished(ctx, nil, ts(1)), "mark nothing published")
	got, err = s.UnpublishedEvents(ctx, 10)
	noErr(t, err, "unpublished")
	if len(got) != 2 || got[0].Seq != evs[1].Seq || got[1].Seq != evs[3].Seq {
		t.Fatalf("unpublished after mark = %+v", got)
	}
	all, err := s.EventsAfter(ctx, 0, 10)
	noErr(t, err, "events after")
	if all[0].PublishedAt == nil || all[1].PublishedAt != nil {
		t.Fatalf("published_at: %+v / %+v", all[0].PublishedAt, all[1].PublishedAt)
	}
	sameTime(t, *all[0].PublishedAt, ts(1), "published_at")
}

// testOutboxPublishedAfter: after a power cut the relay asks what was
// published after the stream's last event; the answer is in publication
// order (a later round after an earlier one, whatever the seqs) and never
// holds an unpublished row.
func testOutboxPublishedAfter(t *testing.T, s storage.Store) {
	ctx := context.Background()
	evs := appendEvents(t, s, 6)
	seqs := func(es []model.Event) []int64 {
		out := []int64{}
		for _, e := range es {
			out = append(out, e.Seq)
		}
		return out
	}
	for _, id := range []string{evs[0].ID, "no-such-event"} { // unpublished, unknown
		got, err := s.PublishedAfter(ctx, id, 10)
		noErr(t, err, "published after "+id)
		if len(got) != 0 {
			t.Fatalf("published after %s = %v, want none", id, seqs(got))
		}
	}
	noErr(t, s.MarkPublished(ctx, []int64{evs[5].Seq}, ts(0)), "round 0")
	got, err := s.PublishedAfter(ctx, "no-such-event", 10)
	noErr(t, err, "published after an unknown event")
	if len(got) != 0 {
		t.Fatalf("published after an unknown event = %v, want none", seqs(got))
	}

	// Round 1 publishes 0, 1 and 3 (2 is not committed yet: Postgres); round 2 publishes 2 and 4.
	noErr(t, s.MarkPublished(ctx, []int64{evs[0].Seq, evs[1].Seq, evs[3].Seq}, ts(1)), "round 1")
	got, err = s.PublishedAfter(ctx, evs[0].ID, 10)
	noErr(t, err, "published after 0")
	if want := []int64{evs[1].Seq, evs[3].Seq}; fmt.Sprint(seqs(got)) != fmt.Sprint(want) {
		t.Fatalf("published after 0 = %v, want %v", seqs(got), want)
	}
	noErr(t, s.MarkPublished(ctx, []int64{evs[2].Seq, evs[4].Seq}, ts(2)), "round 2")
	got, err = s.PublishedAfter(ctx, evs[1].ID, 10)
	noErr(t, err, "published after 1")
	want := []int64{evs[3].Seq, evs[2].Seq, evs[4].Seq} // round 1's 3, then round 2
	if fmt.Sprint(seqs(got)) != fmt.Sprint(want) {
		t.Fatalf("published after 1 = %v, want %v", seqs(got), want)
	}
	if got[0].ID == "" || string(got[0].Payload) == "" {
		t.Fatalf("rows come whole: %+v", got[0])
	}
	got, err = s.PublishedAfter(ctx, evs[1].ID, 1)
	noErr(t, err, "published after 1, limit 1")
	if len(got) != 1 || got[0].Seq != want[0] {
		t.Fatalf("limit 1 = %v, want [%d]", seqs(got), want[0])
	}
	got, err = s.PublishedAfter(ctx, evs[4].ID, 10)
	noErr(t, err, "published after the last")
	if len(got) != 0 {
		t.Fatalf("published after the last = %v, want none (5 went out before it)", seqs(got))
	}
}

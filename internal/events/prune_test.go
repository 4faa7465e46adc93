package events

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// The relay deletes events published longer ago than the replay horizon,
// keeps those published since, and never deletes an unpublished event,
// however old (here the stream is gone, so nothing can be published).
func TestRelayPrunesPublishedEventsPastTheHorizon(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	_, js := startJS(t)
	if err := js.DeleteStream(ctx, StreamName); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, 0, 3)
	for i := range 2 {
		old := model.Event{ID: fmt.Sprintf("old-unpublished-%d", i), Type: model.EventMessageCreated, WorkspaceID: 1,
			Payload: []byte(`{}`), CreatedAt: time.Now().Add(-30 * 24 * time.Hour)}
		if err := st.AppendEvent(ctx, &old); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := st.EventsAfter(ctx, 0, 10)
	if err != nil || len(rows) != 5 {
		t.Fatalf("events: %d, %v", len(rows), err)
	}
	now := time.Now()
	if err := st.MarkPublished(ctx, []int64{rows[0].Seq, rows[1].Seq}, now.Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkPublished(ctx, []int64{rows[2].Seq}, now.Add(-30*time.Minute)); err != nil {
		t.Fatal(err)
	}

	r := NewRelay(st, js, RelayOptions{PollInterval: time.Hour, AckTimeout: 200 * time.Millisecond,
		Retention: time.Hour, PruneInterval: 10 * time.Millisecond})
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	waitFor(t, "two events pruned", func() bool { return r.Pruned() == 2 })
	rounds := r.pruneRounds.Load()
	waitFor(t, "two more prune rounds", func() bool { return r.pruneRounds.Load() >= rounds+2 })
	left, err := st.EventsAfter(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range left {
		ids = append(ids, e.ID)
	}
	if want := "[ev-2 old-unpublished-0 old-unpublished-1]"; fmt.Sprint(ids) != want || r.Pruned() != 2 {
		t.Fatalf("left %v after %d pruned, want %s", ids, r.Pruned(), want)
	}
}

// Without a retention the relay prunes nothing.
func TestRelayWithoutRetentionKeepsEverything(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	_, js := startJS(t)
	appendEvents(t, st, 0, 3)
	r := NewRelay(st, js, RelayOptions{PollInterval: 10 * time.Millisecond, PruneInterval: time.Millisecond})
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "events published", func() bool { return r.Published() == 3 })
	if err := r.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if n := r.pruneRounds.Load(); n != 0 {
		t.Fatalf("%d prune rounds without a retention", n)
	}
	if left, err := st.EventsAfter(ctx, 0, 10); err != nil || len(left) != 3 {
		t.Fatalf("left %d events, %v", len(left), err)
	}
}

package events

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// A backlog reaches a batch handler in stream order, in batches larger than
// one, each event exactly once; the completion records of a single node
// flushes asynchronously.
func TestBatchConsumerHandsOverBacklogInOrder(t *testing.T) {
	_, js := startJS(t)
	const n = 300
	for i := range n {
		publishEnvelope(t, js, Envelope{ID: fmt.Sprintf("ev%03d", i), Type: "message.created", WorkspaceID: 1, ChatID: 1})
	}
	var mu sync.Mutex
	var order []string
	biggest := 0
	c := NewBatchConsumer(js, ConsumerOptions{Durable: "batch"}, func(ctx context.Context, b []Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range b {
			order = append(order, e.ID)
		}
		biggest = max(biggest, len(b))
		return nil
	})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	waitFor(t, "backlog handled", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) >= n })
	waitFor(t, "consumer drained", func() bool { lag, err := c.Lag(context.Background()); return err == nil && lag == 0 })
	mu.Lock()
	defer mu.Unlock()
	if len(order) != n {
		t.Fatalf("handled %d events, want %d", len(order), n)
	}
	for i, id := range order {
		if want := fmt.Sprintf("ev%03d", i); id != want {
			t.Fatalf("event %d is %s, want %s", i, id, want)
		}
	}
	if biggest < 2 {
		t.Fatalf("largest batch had %d events; a backlog should come in batches", biggest)
	}
	st, err := js.Stream(context.Background(), "DONE_batch")
	if err != nil {
		t.Fatal(err)
	}
	if got := st.CachedInfo().Config.PersistMode; got != jetstream.AsyncPersistMode {
		t.Fatalf("completion records persist mode %v, want async", got)
	}
	if got := st.CachedInfo().State.Msgs; got != n {
		t.Fatalf("completion records holds %d records, want %d", got, n)
	}
}

// One bad event in a batch fails the batch; the consumer then hands the
// events over one at a time: the good ones are applied once each, the bad
// one alone is dead-lettered.
func TestBatchConsumerIsolatesAFailingEvent(t *testing.T) {
	_, js := startJS(t)
	for i := range 20 {
		publishEnvelope(t, js, Envelope{ID: fmt.Sprintf("ev%02d", i), Type: "message.created", WorkspaceID: 1, ChatID: 1})
	}
	var mu sync.Mutex
	applied := map[string]int{}
	c := NewBatchConsumer(js, ConsumerOptions{Durable: "isolate"}, func(ctx context.Context, b []Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range b {
			if e.ID == "ev07" {
				return Permanent(errors.New("cannot apply ev07"))
			}
		}
		for _, e := range b {
			applied[e.ID]++
		}
		return nil
	})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	waitFor(t, "dead letter", func() bool {
		st, err := js.Stream(context.Background(), DeadLetterStream)
		return err == nil && st.CachedInfo().State.Msgs == 1
	})
	waitFor(t, "consumer drained", func() bool { lag, err := c.Lag(context.Background()); return err == nil && lag == 0 })
	mu.Lock()
	defer mu.Unlock()
	if len(applied) != 19 {
		t.Fatalf("applied %d distinct events, want 19: %v", len(applied), applied)
	}
	for id, k := range applied {
		if id == "ev07" || k != 1 {
			t.Fatalf("event %s applied %d times", id, k)
		}
	}
}

package events

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/embedded/natsd/natstest"
	"github.com/fechatter/fechatter/internal/testproc"
)

// startJS runs an embedded JetStream server with the EVENTS stream for one test.
func startJS(t *testing.T) (*natsd.Server, jetstream.JetStream) {
	t.Helper()
	s := natstest.Start(t, natsd.Config{})
	if _, err := EnsureStream(context.Background(), s.JS, StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	return s.Server, s.JS
}

// waitFor polls cond until it holds (a deadline only turns a hang into a failure).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testproc.Until(t, 15*time.Second, what, cond)
}

func TestSubjects(t *testing.T) {
	for _, tc := range []struct {
		ws, chat int64
		typ      string
		want     string
	}{
		{1, 2, "message.created", "fc.ev.1.2.message.created"},
		{7, 0, "workspace.updated", "fc.ev.7.ws.workspace.updated"},
	} {
		got := Subject(tc.ws, tc.chat, tc.typ)
		if got != tc.want {
			t.Errorf("Subject(%d,%d,%q) = %q, want %q", tc.ws, tc.chat, tc.typ, got, tc.want)
		}
		ws, chat, typ, err := ParseSubject(got)
		if err != nil || ws != tc.ws || chat != tc.chat || typ != tc.typ {
			t.Errorf("ParseSubject(%q) = %d,%d,%q,%v", got, ws, chat, typ, err)
		}
	}
	for _, bad := range []string{"", "fc.ev", "fc.ev.x.1.t", "fc.ev.1.y.t", "other.ev.1.2.t"} {
		if _, _, _, err := ParseSubject(bad); err == nil {
			t.Errorf("ParseSubject(%q) accepted", bad)
		}
	}
}

func FuzzParseSubject(f *testing.F) {
	f.Add("fc.ev.1.2.message.created")
	f.Add("fc.ev.1.ws.x")
	f.Fuzz(func(t *testing.T, s string) {
		ws, chat, typ, err := ParseSubject(s)
		if err != nil {
			return
		}
		if Subject(ws, chat, typ) != s && chat != 0 {
			// Round trip must hold for canonical chat subjects.
			if _, _, _, err := ParseSubject(Subject(ws, chat, typ)); err != nil {
				t.Fatalf("re-parse failed for %q", s)
			}
		}
	})
}

func publishEnvelope(t *testing.T, js jetstream.JetStream, e Envelope) {
	t.Helper()
	m, err := Message(e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func TestConsumerSkipsCompletedEventsAndRetries(t *testing.T) {
	_, js := startJS(t)
	var mu sync.Mutex
	calls := map[string]int{}
	var failOnce atomic.Bool
	failOnce.Store(true)
	c := NewConsumer(js, ConsumerOptions{Durable: "t1", Backoff: []time.Duration{10 * time.Millisecond}}, func(ctx context.Context, e Envelope) error {
		mu.Lock()
		calls[e.ID]++
		mu.Unlock()
		if e.ID == "b" && failOnce.CompareAndSwap(true, false) {
			return errors.New("transient")
		}
		return nil
	})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	publishEnvelope(t, js, Envelope{ID: "a", Type: "message.created", WorkspaceID: 1, ChatID: 1})
	publishEnvelope(t, js, Envelope{ID: "b", Type: "message.created", WorkspaceID: 1, ChatID: 1})
	waitFor(t, "both events handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return calls["a"] == 1 && calls["b"] == 2
	})
	// The same event id again (published outside the dedupe window, say):
	// the completion record makes it a no-op.
	m, _ := Message(Envelope{ID: "a", Type: "message.created", WorkspaceID: 1, ChatID: 1})
	m.Header.Del(jetstream.MsgIDHeader)
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "consumer drained", func() bool {
		lag, err := c.Lag(context.Background())
		return err == nil && lag == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if calls["a"] != 1 {
		t.Fatalf("event a handled %d times, want 1", calls["a"])
	}
}

func TestConsumerDeadLettersAfterMaxDeliver(t *testing.T) {
	_, js := startJS(t)
	var n atomic.Int32
	c := NewConsumer(js, ConsumerOptions{Durable: "t2", MaxDeliver: 3, Backoff: []time.Duration{10 * time.Millisecond}},
		func(ctx context.Context, e Envelope) error { n.Add(1); return errors.New("always broken") })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	publishEnvelope(t, js, Envelope{ID: "x", Type: "message.created", WorkspaceID: 1, ChatID: 2})
	waitFor(t, "dead letter", func() bool {
		st, err := js.Stream(context.Background(), DeadLetterStream)
		return err == nil && st.CachedInfo().State.Msgs == 1
	})
	if got := n.Load(); got != 3 {
		t.Fatalf("handler ran %d times, want 3 (MaxDeliver)", got)
	}
}

func TestConsumerPermanentErrorDeadLettersAtOnce(t *testing.T) {
	_, js := startJS(t)
	var n atomic.Int32
	c := NewConsumer(js, ConsumerOptions{Durable: "t3"},
		func(ctx context.Context, e Envelope) error { n.Add(1); return Permanent(errors.New("bad payload")) })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	publishEnvelope(t, js, Envelope{ID: "p", Type: "message.created", WorkspaceID: 1, ChatID: 2})
	waitFor(t, "dead letter", func() bool {
		st, err := js.Stream(context.Background(), DeadLetterStream)
		return err == nil && st.CachedInfo().State.Msgs == 1
	})
	if got := n.Load(); got != 1 {
		t.Fatalf("handler ran %d times, want 1", got)
	}
}

func TestSharedDurableSpreadsWork(t *testing.T) {
	_, js := startJS(t)
	var mu sync.Mutex
	seen := map[string]int{}
	handler := func(ctx context.Context, e Envelope) error {
		mu.Lock()
		seen[e.ID]++
		mu.Unlock()
		return nil
	}
	for i := 0; i < 2; i++ {
		c := NewConsumer(js, ConsumerOptions{Durable: "shared"}, handler)
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Stop(context.Background()) })
	}
	for i := 0; i < 50; i++ {
		publishEnvelope(t, js, Envelope{ID: "e" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Type: "t", WorkspaceID: 1})
	}
	waitFor(t, "50 events", func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == 50 })
	mu.Lock()
	defer mu.Unlock()
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %s handled %d times across the shared consumer", id, n)
		}
	}
}

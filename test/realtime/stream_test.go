package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// eventDeadline is how long a test waits for an event it expects.
const eventDeadline = 90 * time.Second

// payload is the data of an event, with the fields the tests look at.
type payload struct {
	Type        string         `json:"type"`
	WorkspaceID int64          `json:"workspace_id"`
	ChatID      int64          `json:"chat_id"`
	UserID      int64          `json:"user_id"`
	LastEventID uint64         `json:"last_event_id"`
	Message     *model.Message `json:"message"`
	Member      struct {
		User model.User `json:"user"`
	} `json:"member"`
}

// ephemeral reports whether an event type is a signal that is never stored
// (and so carries no id and is not part of what a resume must deliver).
func ephemeral(typ string) bool { return typ == "typing" || typ == "presence" }

// stream is an open SSE connection read by a goroutine into a channel, so
// that a test can wait for events with a deadline. Typing and presence
// signals are dropped: they are not what these tests count.
type stream struct {
	name string
	es   *client.EventStream
	ch   chan client.Event
	quit chan struct{}
	once sync.Once

	mu  sync.Mutex
	end error // why the stream ended; set before ch is closed

	// last is the id of the last event the test took from the stream.
	last uint64
}

// openStream opens an event stream for c (resuming after last when not 0)
// and closes it when the test ends.
func openStream(t *testing.T, c *client.Client, name string, last uint64) *stream {
	t.Helper()
	s, err := tryOpenStream(c, name, last)
	if err != nil {
		t.Fatalf("open event stream of %s (last %d): %v", name, last, err)
	}
	t.Cleanup(s.close)
	return s
}

func tryOpenStream(c *client.Client, name string, last uint64) (*stream, error) {
	es, err := c.Events(context.Background(), last)
	if err != nil {
		return nil, err
	}
	s := &stream{name: name, es: es, ch: make(chan client.Event, 1<<14), quit: make(chan struct{}), last: last}
	go s.read() // owned by s: ends when the connection ends, which close forces
	return s, nil
}

func (s *stream) read() {
	defer close(s.ch)
	for {
		ev, err := s.es.Next()
		if err != nil {
			s.mu.Lock()
			s.end = err
			s.mu.Unlock()
			return
		}
		if ephemeral(ev.Type) {
			continue
		}
		select {
		case s.ch <- ev:
		case <-s.quit:
			return
		}
	}
}

// close ends the connection (idempotent).
func (s *stream) close() {
	s.once.Do(func() {
		close(s.quit)
		_ = s.es.Close()
	})
}

// endErr is why the stream ended (nil while it is open).
func (s *stream) endErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end
}

// next returns the next event, failing the test when none comes in time or
// the stream ends.
func (s *stream) next(t *testing.T) client.Event {
	t.Helper()
	ev, ok := s.tryNext(eventDeadline)
	if !ok {
		if err := s.endErr(); err != nil {
			t.Fatalf("%s: the stream ended before an expected event: %v", s.name, err)
		}
		t.Fatalf("%s: no event within %v", s.name, eventDeadline)
	}
	return ev
}

// tryNext returns the next event, or false when the stream ended or none
// came within d.
func (s *stream) tryNext(d time.Duration) (client.Event, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case ev, ok := <-s.ch:
		if ok && ev.ID != 0 {
			s.last = ev.ID
		}
		return ev, ok
	case <-timer.C:
		return client.Event{}, false
	}
}

// ready takes the first event, which must be ready for user, and returns its id.
func (s *stream) ready(t *testing.T, user int64) uint64 {
	t.Helper()
	ev := s.next(t)
	if ev.Type != "ready" {
		t.Fatalf("%s: first event is %s %s, want ready", s.name, ev.Type, ev.Data)
	}
	p := decode(t, ev)
	if p.Type != "ready" || p.UserID != user {
		t.Fatalf("%s: ready = %s, want type ready and user_id %d", s.name, ev.Data, user)
	}
	return ev.ID
}

// until takes events up to and including the message.created of the
// message with id sentinel, and returns them (the sentinel included).
func (s *stream) until(t *testing.T, sentinel int64) []client.Event {
	t.Helper()
	var got []client.Event
	for {
		ev := s.next(t)
		got = append(got, ev)
		if ev.Type == model.EventMessageCreated {
			if m := decode(t, ev).Message; m != nil && m.ID == sentinel {
				return got
			}
		}
	}
}

// untilOrEnd is until, except that the stream may end first (ended is
// then true and evs holds what came before the end).
func (s *stream) untilOrEnd(t *testing.T, sentinel int64) (evs []client.Event, ended bool) {
	t.Helper()
	for {
		ev, ok := s.tryNext(eventDeadline)
		if !ok {
			if s.endErr() == nil {
				t.Fatalf("%s: no event within %v%s", s.name, eventDeadline, failureContext())
			}
			return evs, true
		}
		evs = append(evs, ev)
		if ev.Type == model.EventMessageCreated {
			if m := decode(t, ev).Message; m != nil && m.ID == sentinel {
				return evs, false
			}
		}
	}
}

// waitEnd waits for the server to end the stream and returns the events
// that came before the end.
func (s *stream) waitEnd(t *testing.T) []client.Event {
	t.Helper()
	var got []client.Event
	deadline := time.Now().Add(eventDeadline)
	for {
		ev, ok := s.tryNext(time.Until(deadline))
		if !ok {
			if s.endErr() == nil {
				t.Fatalf("%s: stream still open %v after the server went away", s.name, eventDeadline)
			}
			return got
		}
		got = append(got, ev)
	}
}

// decode reads an event's data; it fails the test on data that is not an
// object with a type.
func decode(t *testing.T, ev client.Event) payload {
	t.Helper()
	var p payload
	if err := json.Unmarshal(ev.Data, &p); err != nil || p.Type == "" {
		t.Fatalf("event %d %s: data %s is not an event object (%v)", ev.ID, ev.Type, ev.Data, err)
	}
	if p.Type != ev.Type {
		t.Fatalf("event %d: event line says %s but data says %s", ev.ID, ev.Type, p.Type)
	}
	return p
}

// messageIDs returns the ids of the messages created by events, in order,
// and checks what every stored event must satisfy: an id, ids strictly
// increasing, and a data object with the event's type.
func messageIDs(t *testing.T, who string, evs []client.Event) []int64 {
	t.Helper()
	var ids []int64
	var prev uint64
	for _, ev := range evs {
		if ev.ID == 0 {
			t.Errorf("%s: %s event without an id: %s", who, ev.Type, ev.Data)
			continue
		}
		if ev.ID <= prev {
			t.Errorf("%s: event id %d after %d (ids must increase: a duplicate or a reorder)", who, ev.ID, prev)
		}
		prev = ev.ID
		p := decode(t, ev)
		if ev.Type != model.EventMessageCreated {
			continue
		}
		if p.Message == nil || p.Message.ID == 0 || p.ChatID == 0 || p.WorkspaceID == 0 {
			t.Errorf("%s: message.created %d lacks message, chat_id or workspace_id: %s", who, ev.ID, ev.Data)
			continue
		}
		if p.Message.ChatID != p.ChatID || p.Message.WorkspaceID != p.WorkspaceID {
			t.Errorf("%s: message.created %d: envelope chat/workspace %d/%d, message %d/%d", who, ev.ID,
				p.ChatID, p.WorkspaceID, p.Message.ChatID, p.Message.WorkspaceID)
		}
		ids = append(ids, p.Message.ID)
	}
	return ids
}

// onlyMessages fails unless every event is a message.created.
func onlyMessages(t *testing.T, who string, evs []client.Event) {
	t.Helper()
	for _, ev := range evs {
		if ev.Type != model.EventMessageCreated {
			t.Errorf("%s: unexpected %s event %d: %s", who, ev.Type, ev.ID, ev.Data)
		}
	}
}

// perChatInOrder fails when the messages of one chat arrive out of seq order.
func perChatInOrder(t *testing.T, who string, evs []client.Event) {
	t.Helper()
	for _, v := range outOfOrder(t, evs) {
		t.Errorf("%s: %s", who, v)
	}
}

// outOfOrder describes each message that arrived after a later one of
// its chat.
func outOfOrder(t *testing.T, evs []client.Event) []string {
	t.Helper()
	var out []string
	last := map[int64]int64{}
	for _, ev := range evs {
		if ev.Type != model.EventMessageCreated {
			continue
		}
		m := decode(t, ev).Message
		if m == nil {
			continue
		}
		if m.Seq <= last[m.ChatID] {
			out = append(out, fmt.Sprintf("chat %d: message seq %d (event %d) arrived after seq %d", m.ChatID, m.Seq, ev.ID, last[m.ChatID]))
		}
		last[m.ChatID] = max(last[m.ChatID], m.Seq)
	}
	return out
}

// sameIDs compares two id lists in order and describes the first difference.
func sameIDs(got, want []int64) error {
	if slices.Equal(got, want) {
		return nil
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Errorf("got %d ids, want %d; first difference at %d: got %d, want %d\n got:  %v\n want: %v",
				len(got), len(want), i, got[i], want[i], clip(got), clip(want))
		}
	}
	return fmt.Errorf("got %d ids, want %d\n got:  %v\n want: %v", len(got), len(want), clip(got), clip(want))
}

// exactlyOnce checks that got holds every id of want once and nothing else,
// whatever the order, and describes the differences.
func exactlyOnce(got []int64, want map[int64]bool) error {
	count := map[int64]int{}
	for _, id := range got {
		count[id]++
	}
	var dup, extra, missing []int64
	for id, n := range count {
		if n > 1 {
			dup = append(dup, id)
		}
		if !want[id] {
			extra = append(extra, id)
		}
	}
	for id := range want {
		if count[id] == 0 {
			missing = append(missing, id)
		}
	}
	if len(dup)+len(extra)+len(missing) == 0 {
		return nil
	}
	slices.Sort(dup)
	slices.Sort(extra)
	slices.Sort(missing)
	var b strings.Builder
	fmt.Fprintf(&b, "%d delivered, %d expected", len(got), len(want))
	if len(dup) > 0 {
		fmt.Fprintf(&b, "; delivered more than once: %v", clip(dup))
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, "; not expected: %v", clip(extra))
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "; missing: %v", clip(missing))
	}
	return errors.New(b.String())
}

func clip(ids []int64) []int64 {
	if len(ids) > 40 {
		return ids[:40]
	}
	return ids
}

// failureContext, when a test sets it, adds what helps explain a failure
// (the cluster test: every node's log).
var failureContext = func() string { return "" }

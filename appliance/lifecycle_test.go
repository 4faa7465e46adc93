package appliance

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder builds fake components that record their calls.
type recorder struct{ events []string }

func (r *recorder) component(name string, startErr, stopErr error) Component {
	return Component{
		Name: name,
		Start: func(context.Context) error {
			r.events = append(r.events, "start "+name)
			return startErr
		},
		Stop: func(context.Context) error {
			r.events = append(r.events, "stop "+name)
			return stopErr
		},
	}
}

var (
	errBoom     = errors.New("boom")
	errStopFail = errors.New("stop failed")
)

func TestLifecycleOrder(t *testing.T) {
	var r recorder
	l := &lifecycle{components: []Component{r.component("a", nil, nil), r.component("b", nil, nil), r.component("c", nil, nil)}}
	ctx := context.Background()
	if err := l.start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.start(ctx); err == nil {
		t.Fatal("second start succeeded")
	}
	for range 2 { // Stop is idempotent.
		if err := l.stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"}
	if !slices.Equal(r.events, want) {
		t.Fatalf("events = %v, want %v", r.events, want)
	}
	if err := l.start(ctx); err == nil {
		t.Fatal("start after stop succeeded")
	}
}

func TestLifecycleRollback(t *testing.T) {
	for _, tc := range []struct {
		name       string
		components func(r *recorder) []Component
		wantEvents []string
		wantIn     []string
		wantIs     []error
	}{
		{
			name: "third fails",
			components: func(r *recorder) []Component {
				return []Component{r.component("a", nil, nil), r.component("b", nil, nil), r.component("c", errBoom, nil)}
			},
			wantEvents: []string{"start a", "start b", "start c", "stop b", "stop a"},
			wantIn:     []string{"start c: boom"},
			wantIs:     []error{errBoom},
		},
		{
			name: "first fails",
			components: func(r *recorder) []Component {
				return []Component{r.component("a", errBoom, nil), r.component("b", nil, nil)}
			},
			wantEvents: []string{"start a"},
			wantIn:     []string{"start a: boom"},
			wantIs:     []error{errBoom},
		},
		{
			name: "rollback stop fails too",
			components: func(r *recorder) []Component {
				return []Component{r.component("a", nil, errStopFail), r.component("b", nil, nil), r.component("c", errBoom, nil)}
			},
			wantEvents: []string{"start a", "start b", "start c", "stop b", "stop a"},
			wantIn:     []string{"start c: boom", "stop a: stop failed"},
			wantIs:     []error{errBoom, errStopFail},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			l := &lifecycle{components: tc.components(&r)}
			err := l.start(context.Background())
			if err == nil {
				t.Fatal("start succeeded")
			}
			for _, s := range tc.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			for _, target := range tc.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("error %q is not %v", err, target)
				}
			}
			if !slices.Equal(r.events, tc.wantEvents) {
				t.Fatalf("events = %v, want %v", r.events, tc.wantEvents)
			}
			if err := l.stop(context.Background()); err != nil || len(r.events) != len(tc.wantEvents) {
				t.Fatalf("stop after failed start: err=%v events=%v", err, r.events)
			}
		})
	}
}

func TestLifecycleCancelledStart(t *testing.T) {
	var r recorder
	l := &lifecycle{components: []Component{r.component("a", nil, nil)}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := l.start(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "start a") {
		t.Fatalf("err = %v", err)
	}
	if len(r.events) != 0 {
		t.Fatalf("events = %v", r.events)
	}
}

func TestLifecycleStopErrorsJoined(t *testing.T) {
	var r recorder
	l := &lifecycle{components: []Component{r.component("a", nil, errStopFail), r.component("b", nil, errBoom)}}
	if err := l.start(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := l.stop(context.Background())
	if !errors.Is(err, errStopFail) || !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "stop b: boom") {
		t.Fatalf("err = %v", err)
	}
	if want := []string{"start a", "start b", "stop b", "stop a"}; !slices.Equal(r.events, want) {
		t.Fatalf("events = %v, want %v", r.events, want)
	}
}

func TestLifecycleNotReady(t *testing.T) {
	var r recorder
	sick := true
	b := r.component("b", nil, nil)
	b.Ready = func(context.Context) error {
		if sick {
			return errors.New("warming up")
		}
		return nil
	}
	l := &lifecycle{components: []Component{r.component("a", nil, nil), b}}
	ctx := context.Background()
	if got := l.notReady(ctx); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("before start: %v", got)
	}
	if err := l.start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l.notReady(ctx); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("b sick: %v", got)
	}
	sick = false
	if got := l.notReady(ctx); len(got) != 0 {
		t.Fatalf("all well: %v", got)
	}
	if err := l.stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l.notReady(ctx); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("after stop: %v", got)
	}
}

// TestLifecycleWithPrevious: a group of WithPrevious components starts at
// once (each of a and b waits for the other to have begun), the next
// component only after all of them, and a failure in the group stops the
// members that started, last first, and starts nothing after it.
func TestLifecycleWithPrevious(t *testing.T) {
	var (
		mu     sync.Mutex
		events []string
	)
	record := func(e string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}
	aBegan, bBegan := make(chan struct{}), make(chan struct{})
	meet := func(mine, other chan struct{}) error {
		close(mine)
		select {
		case <-other:
			return nil
		case <-time.After(time.Minute):
			return errors.New("the other member of the group never started")
		}
	}
	comp := func(name string, start func() error, withPrevious bool) Component {
		return Component{
			Name: name,
			Start: func(context.Context) error {
				err := start()
				if err == nil {
					record("start " + name)
				}
				return err
			},
			Stop:         func(context.Context) error { record("stop " + name); return nil },
			WithPrevious: withPrevious,
		}
	}
	ok := func() error { return nil }
	l := &lifecycle{components: []Component{
		comp("first", ok, false),
		comp("a", func() error { return meet(aBegan, bBegan) }, false),
		comp("b", func() error { return meet(bBegan, aBegan) }, true),
		comp("c", func() error { return errBoom }, true),
		comp("after", ok, false),
	}}
	err := l.start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "start c: boom") {
		t.Fatalf("err = %v, want start c: boom", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 6 || events[0] != "start first" || !slices.Contains(events[1:3], "start a") || !slices.Contains(events[1:3], "start b") ||
		!slices.Equal(events[3:], []string{"stop b", "stop a", "stop first"}) {
		t.Fatalf("events = %v", events)
	}
}

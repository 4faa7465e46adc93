package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// State is what the gateway knows of a backend.
type State int32

// The states of a backend, best first. Requests go to the best state any
// backend is in, so a cluster whose nodes all answer 503 (JetStream lost
// its quorum: sends still commit through the outbox) keeps serving.
const (
	// StateUp: /readyz answered 200 at the last check.
	StateUp State = iota
	// StateNotReady: /readyz answered, but not 200.
	StateNotReady
	// StateDown: /readyz or a proxied request failed to connect.
	StateDown
)

// String names the state.
func (s State) String() string {
	switch s {
	case StateUp:
		return "up"
	case StateNotReady:
		return "not ready"
	}
	return "down"
}

// backend is one node behind the gateway.
type backend struct {
	url   *url.URL
	name  string // url.String(), in logs and readiness
	seed  uint64 // the backend's side of every rendezvous score
	state atomic.Int32
}

func (b *backend) get() State { return State(b.state.Load()) }

// set records s and reports whether it changed.
func (b *backend) set(s State) bool { return State(b.state.Swap(int32(s))) != s }

// healthChecker asks every backend's health path at an interval.
type healthChecker struct {
	backends []*backend
	path     string
	interval time.Duration
	client   *http.Client
	log      *slog.Logger

	stop context.CancelFunc
	done chan struct{}
	once sync.Once
}

// start checks every backend once, then keeps checking in a goroutine that
// stopLoop ends.
func (h *healthChecker) start(ctx context.Context) {
	h.checkAll(ctx, true)
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.stop, h.done = cancel, make(chan struct{})
	go h.loop(loopCtx)
}

func (h *healthChecker) loop(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.checkAll(ctx, false)
		}
	}
}

// stopLoop ends the loop and waits for it; it is idempotent.
func (h *healthChecker) stopLoop() {
	h.once.Do(func() {
		if h.stop != nil {
			h.stop()
			<-h.done
		}
	})
}

// checkAll checks the backends in parallel and waits for every answer;
// the first round logs every backend's state, later ones the changes.
func (h *healthChecker) checkAll(ctx context.Context, first bool) {
	var wg sync.WaitGroup
	for _, b := range h.backends {
		wg.Go(func() {
			s, err := h.check(ctx, b)
			h.record(b, s, err, first)
		})
	}
	wg.Wait()
}

// check asks b's health path once, within one interval.
func (h *healthChecker) check(ctx context.Context, b *backend) (State, error) {
	ctx, cancel := context.WithTimeout(ctx, h.interval)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url.JoinPath(h.path).String(), nil)
	if err != nil {
		return StateDown, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return StateDown, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // keep the connection
	if resp.StatusCode != http.StatusOK {
		return StateNotReady, fmt.Errorf("%s answered %s", h.path, resp.Status)
	}
	return StateUp, nil
}

// record sets b's state and logs a change (or any state, if always).
func (h *healthChecker) record(b *backend, s State, err error, always bool) {
	if errors.Is(err, context.Canceled) {
		return // stopping: the answer says nothing about the backend
	}
	if !b.set(s) && !always {
		return
	}
	if s == StateUp {
		h.log.Info("gateway backend up", "backend", b.name)
		return
	}
	h.log.Warn("gateway backend "+s.String(), "backend", b.name, "error", err)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// maxReconnects bounds the reconnections of one stream in a run.
const maxReconnects = 20

// listeners holds one SSE stream per user.
type listeners struct {
	t *tracker

	open       atomic.Int64 // streams open now
	peak       atomic.Int64
	reconnects atomic.Int64
	failed     atomic.Int64 // streams that gave up
	resyncs    atomic.Int64
	// Other events: presence floods every stream of a workspace when
	// users connect, so the run counts them and lets them drain first.
	presence, otherEvents atomic.Int64
	lastPresence          atomic.Int64 // unix nanos

	wg sync.WaitGroup
}

// connect opens every user's stream (workers at a time) and waits for its
// ready event, then leaves a goroutine reading each until ctx ends. It
// returns once all are ready, or the first failure.
func (l *listeners) connect(ctx, runCtx context.Context, workers int, tick func()) error {
	users := l.t.pop.users
	return parallel(ctx, len(users), workers, func(ctx context.Context, u int) error {
		// The stream lives as long as runCtx (a request's context bounds its
		// body); ctx only bounds the wait for ready.
		es, err := openStream(runCtx, users[u], 0)
		if err != nil {
			return fmt.Errorf("user %d: open event stream: %w", u, err)
		}
		stop := context.AfterFunc(ctx, func() { es.Close() })
		err = waitReady(es)
		if !stop() || err != nil {
			es.Close()
			return fmt.Errorf("user %d: %w", u, errors.Join(err, ctx.Err()))
		}
		l.opened()
		l.wg.Add(1)
		go l.read(runCtx, u, es) // owned by l: ends with runCtx, waited for by wait()
		return nil
	}, tick)
}

// openStream opens a stream, refreshing the session once if the access
// token expired (the client refreshes REST calls by itself, not streams).
func openStream(ctx context.Context, c *client.Client, last uint64) (*client.EventStream, error) {
	es, err := c.Events(ctx, last)
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
		if _, rerr := c.Refresh(ctx); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		es, err = c.Events(ctx, last)
	}
	return es, err
}

// waitReady reads up to the ready event, which the server sends once the
// connection is registered for fan-out.
func waitReady(es *client.EventStream) error {
	ev, err := es.Next()
	if err != nil {
		return fmt.Errorf("wait for ready: %w", err)
	}
	if ev.Type != "ready" {
		return fmt.Errorf("first event is %q, want ready", ev.Type)
	}
	return nil
}

func (l *listeners) opened() {
	n := l.open.Add(1)
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// read feeds user u's events to the tracker until ctx ends; a dropped
// stream resumes from its last event id, as a browser would.
func (l *listeners) read(ctx context.Context, u int, es *client.EventStream) {
	defer l.wg.Done()
	stop := closeOnDone(ctx, es)
	defer func() { stop(); es.Close(); l.open.Add(-1) }()
	for tries := 0; ; {
		ev, err := es.Next()
		if err == nil {
			switch ev.Type {
			case model.EventMessageCreated:
				l.t.observe(u, ev.Data, time.Now())
			case "resync":
				l.resyncs.Add(1)
			case "presence":
				l.presence.Add(1)
				l.lastPresence.Store(time.Now().UnixNano())
			default:
				l.otherEvents.Add(1)
			}
			continue
		}
		if ctx.Err() != nil {
			return
		}
		// The stream broke (slow consumer cut off, server restart): resume.
		if l.reconnects.Load() < 5 {
			l.t.logf("user %d: stream broke after event %d: %v; resuming", u, es.LastEventID(), err)
		}
		next, ok := l.resume(ctx, u, es, &tries)
		if !ok {
			return
		}
		stop()
		es = next
		stop = closeOnDone(ctx, es)
	}
}

// closeOnDone closes es when ctx ends, which unblocks its reader.
func closeOnDone(ctx context.Context, es *client.EventStream) (stop func() bool) {
	return context.AfterFunc(ctx, func() { es.Close() })
}

// resume reopens user u's stream after es's last event id.
func (l *listeners) resume(ctx context.Context, u int, es *client.EventStream, tries *int) (*client.EventStream, bool) {
	last := es.LastEventID()
	es.Close()
	for ; *tries < maxReconnects; *tries++ {
		l.reconnects.Add(1)
		delay := min(time.Duration(*tries+1)*100*time.Millisecond, 2*time.Second)
		select {
		case <-ctx.Done():
			return nil, false
		case <-time.After(delay):
		}
		next, err := openStream(ctx, l.t.pop.users[u], last)
		if err != nil {
			continue
		}
		*tries++
		return next, true
	}
	l.failed.Add(1)
	return nil, false
}

// settle waits until no presence event has arrived for quiet, at most
// limit: the connection storm's presence events would otherwise sit in
// front of the first messages in every stream. It returns how long it took.
func (l *listeners) settle(ctx context.Context, quiet, limit time.Duration, log io.Writer) time.Duration {
	start := time.Now()
	next := start.Add(5 * time.Second)
	for time.Since(start) < limit && ctx.Err() == nil {
		if time.Since(time.Unix(0, l.lastPresence.Load())) >= quiet {
			break
		}
		if time.Now().After(next) {
			fmt.Fprintf(log, "settling: %d presence events so far\n", l.presence.Load())
			next = next.Add(5 * time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// wait blocks until every reader has ended.
func (l *listeners) wait() { l.wg.Wait() }

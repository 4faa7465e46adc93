package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// frame is one SSE event; id 0 means an ephemeral event without an id line.
type frame struct {
	id    uint64
	event string
	data  []byte
	// committed is when a live event was committed, for the delivery
	// latency; zero for replayed and hub-made frames.
	committed time.Time
}

func (f frame) writeTo(w io.Writer) error {
	var b strings.Builder
	if f.id != 0 {
		fmt.Fprintf(&b, "id: %d\n", f.id)
	}
	fmt.Fprintf(&b, "event: %s\n", f.event)
	// Event data is JSON from json.Marshal: it never contains a raw newline.
	fmt.Fprintf(&b, "data: %s\n\n", f.data)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	observeSent(f)
	return nil
}

// Credential is what a stream was opened with.
type Credential struct {
	// UserID is whose events the stream carries.
	UserID int64
	// SessionID is the auth session the credential belongs to: a
	// revocation of that session ends the stream. 0 when unknown; then
	// only revocations of the whole user end it.
	SessionID int64
	// ExpiresAt ends the stream when the credential stops working (the
	// access token's exp, the session cookie's expiry); zero for never.
	ExpiresAt time.Time
	// CheckedAt is when the credential was last checked; a revocation
	// notice heard since refuses the stream. Zero means when Serve starts.
	CheckedAt time.Time
}

// conn is one open SSE stream.
type conn struct {
	userID    int64
	sessionID int64
	expiresAt time.Time
	checkedAt time.Time
	ch        chan frame
	once      sync.Once
	// cut is closed when the connection must end: slow consumer,
	// revocation or shutdown.
	cut      chan struct{}
	stopping bool
	mu       sync.Mutex
}

func newConn(cred Credential, buffer int) *conn {
	if cred.CheckedAt.IsZero() {
		cred.CheckedAt = time.Now()
	}
	return &conn{
		userID: cred.UserID, sessionID: cred.SessionID, expiresAt: cred.ExpiresAt, checkedAt: cred.CheckedAt,
		ch: make(chan frame, buffer), cut: make(chan struct{}),
	}
}

// expired reports whether the stream's credential no longer works at now.
func (c *conn) expired(now time.Time) bool {
	return !c.expiresAt.IsZero() && !now.Before(c.expiresAt)
}

// offer queues f without blocking; a full buffer cuts the connection off so
// one slow client never slows the others (it resumes with Last-Event-ID).
func (c *conn) offer(f frame) {
	select {
	case c.ch <- f:
	default:
		c.once.Do(func() {
			close(c.cut)
			telemetry.SSESlowClientsCut.Inc()
		})
	}
}

// shutdown ends the stream with a retry hint (hub stop, revocation).
func (c *conn) shutdown() {
	c.mu.Lock()
	c.stopping = true
	c.mu.Unlock()
	c.once.Do(func() { close(c.cut) })
}

// isCut reports whether the connection must end.
func (c *conn) isCut() bool {
	select {
	case <-c.cut:
		return true
	default:
		return false
	}
}

func (c *conn) isStopping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopping
}

// Serve streams cred.UserID's events on w until the client goes away, the
// connection falls too far behind, the credential is revoked or expires,
// or the hub stops. lastEventID is the Last-Event-ID header (or query
// parameter); empty for a fresh start. Before anything is written it may
// fail with ErrRevoked (the caller answers 401) or because the hub stops.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, cred Credential, lastEventID string) error {
	rc := http.NewResponseController(w)
	c := newConn(cred, h.opt.Buffer)
	regSeq, err := h.register(c)
	if err != nil {
		return err
	}
	defer h.unregister(c)
	telemetry.SSEConnections.Inc()
	defer telemetry.SSEConnections.Dec()
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache, no-transform")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_ = rc.SetWriteDeadline(time.Time{})
	sent, err := h.start(r.Context(), w, c, regSeq, lastEventID)
	if err != nil {
		return nil // the client is gone or the replay failed; it will resume
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	return h.pump(r.Context(), w, rc, c, sent)
}

// pump copies live frames to the client until it goes away.
func (h *Hub) pump(ctx context.Context, w io.Writer, rc *http.ResponseController, c *conn, sent uint64) error {
	beat := time.NewTicker(h.opt.Heartbeat)
	defer beat.Stop()
	var expire <-chan time.Time
	if !c.expiresAt.IsZero() {
		t := time.NewTimer(time.Until(c.expiresAt))
		defer t.Stop()
		expire = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.cut:
			if c.isStopping() {
				writeRetry(w, rc)
			}
			return nil
		case <-expire:
			writeRetry(w, rc)
			return nil
		case <-beat.C:
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return nil
			}
		case f := <-c.ch:
			// select picks at random among ready cases: nothing is
			// written once the stream was revoked, cut or expired.
			if c.isCut() {
				if c.isStopping() {
					writeRetry(w, rc)
				}
				return nil
			}
			if c.expired(time.Now()) {
				writeRetry(w, rc)
				return nil
			}
			if f.id != 0 && f.id <= sent {
				continue // already replayed
			}
			if err := f.writeTo(w); err != nil {
				return nil
			}
			if f.id != 0 {
				sent = f.id
			}
			if err := h.drain(w, c, &sent); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// writeRetry sends a reconnection hint of 1-4 s, jittered so that clients
// do not all come back at once.
func writeRetry(w io.Writer, rc *http.ResponseController) {
	_, _ = fmt.Fprintf(w, "retry: %d\n\n", 1000+rand.IntN(3000))
	_ = rc.Flush()
}

// drain writes whatever else is queued, so that a burst is one flush. It
// stops when the connection is cut; pump then ends it.
func (h *Hub) drain(w io.Writer, c *conn, sent *uint64) error {
	for {
		if c.isCut() {
			return nil
		}
		select {
		case f := <-c.ch:
			if f.id != 0 && f.id <= *sent {
				continue
			}
			if err := f.writeTo(w); err != nil {
				return err
			}
			if f.id != 0 {
				*sent = f.id
			}
		default:
			return nil
		}
	}
}

// dataOf is the SSE data of an event: its payload, which already holds
// type, workspace_id, chat_id and the object.
func dataOf(e events.Envelope) []byte {
	if len(e.Payload) > 0 {
		return e.Payload
	}
	b, _ := json.Marshal(map[string]any{"type": e.Type, "workspace_id": e.WorkspaceID, "chat_id": e.ChatID})
	return b
}

// observeSent counts a frame written to a stream and, for a live event,
// the time from its commit to now.
func observeSent(f frame) {
	telemetry.SSEEventsSent.Inc()
	if !f.committed.IsZero() {
		telemetry.DeliveryDuration.Observe(time.Since(f.committed).Seconds())
	}
}

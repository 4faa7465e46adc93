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
)

// frame is one SSE event; id 0 means an ephemeral event without an id line.
type frame struct {
	id    uint64
	event string
	data  []byte
}

func (f frame) writeTo(w io.Writer) error {
	var b strings.Builder
	if f.id != 0 {
		fmt.Fprintf(&b, "id: %d\n", f.id)
	}
	fmt.Fprintf(&b, "event: %s\n", f.event)
	// Event data is JSON from json.Marshal: it never contains a raw newline.
	fmt.Fprintf(&b, "data: %s\n\n", f.data)
	_, err := io.WriteString(w, b.String())
	return err
}

// conn is one open SSE stream.
type conn struct {
	userID int64
	ch     chan frame
	once   sync.Once
	// cut is closed when the connection must end: slow consumer or shutdown.
	cut      chan struct{}
	stopping bool
	mu       sync.Mutex
}

func newConn(userID int64, buffer int) *conn {
	return &conn{userID: userID, ch: make(chan frame, buffer), cut: make(chan struct{})}
}

// offer queues f without blocking; a full buffer cuts the connection off so
// one slow client never slows the others (it resumes with Last-Event-ID).
func (c *conn) offer(f frame) {
	select {
	case c.ch <- f:
	default:
		c.once.Do(func() { close(c.cut) })
	}
}

func (c *conn) shutdown() {
	c.mu.Lock()
	c.stopping = true
	c.mu.Unlock()
	c.once.Do(func() { close(c.cut) })
}

func (c *conn) isStopping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopping
}

// Serve streams userID's events on w until the client goes away, the
// connection falls too far behind, or the hub stops. lastEventID is the
// Last-Event-ID header (or query parameter); empty for a fresh start.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, userID int64, lastEventID string) error {
	rc := http.NewResponseController(w)
	c := newConn(userID, h.opt.Buffer)
	regSeq, err := h.register(c)
	if err != nil {
		return err
	}
	defer h.unregister(c)
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
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.cut:
			if c.isStopping() {
				// 1-4 s of jitter so that clients do not all come back at once.
				_, _ = fmt.Fprintf(w, "retry: %d\n\n", 1000+rand.IntN(3000))
				_ = rc.Flush()
			}
			return nil
		case <-beat.C:
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return nil
			}
		case f := <-c.ch:
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

// drain writes whatever else is queued, so that a burst is one flush.
func (h *Hub) drain(w io.Writer, c *conn, sent *uint64) error {
	for {
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

package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// frame is one SSE event, encoded once: every connection it goes to
// writes the same bytes. id 0 means an ephemeral event without an id line.
type frame struct {
	id  uint64
	enc []byte
	// committed is when a live event was committed, for the delivery
	// latency; zero for replayed and hub-made frames.
	committed time.Time
}

// newFrame encodes an event. Event data is JSON from json.Marshal: it never
// contains a raw newline.
func newFrame(id uint64, event string, data []byte) frame {
	b := make([]byte, 0, len("id: \nevent: \ndata: \n\n")+20+len(event)+len(data))
	if id != 0 {
		b = append(b, "id: "...)
		b = strconv.AppendUint(b, id, 10)
		b = append(b, '\n')
	}
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	return frame{id: id, enc: b}
}

func (f frame) writeTo(w io.Writer) error {
	if _, err := w.Write(f.enc); err != nil {
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
	// queue holds the frames waiting to be written, nil while idle (an
	// idle stream costs no buffer). wake is the pump's one signal: the
	// queue became non-empty, the stream was cut, its request ended, or a
	// heartbeat or the expiry is due (beatDue, expireDue).
	qmu       sync.Mutex
	queue     []frame
	limit     int
	wake      chan struct{}
	beatDue   atomic.Bool
	expireDue atomic.Bool
	once      sync.Once
	// cut is closed when the connection must end: slow consumer,
	// revocation or shutdown.
	cut      chan struct{}
	stopping bool
	mu       sync.Mutex
}

func newConn(cred Credential, limit int) *conn {
	if cred.CheckedAt.IsZero() {
		cred.CheckedAt = time.Now()
	}
	return &conn{
		userID: cred.UserID, sessionID: cred.SessionID, expiresAt: cred.ExpiresAt, checkedAt: cred.CheckedAt,
		limit: limit, wake: make(chan struct{}, 1), cut: make(chan struct{}),
	}
}

// expired reports whether the stream's credential no longer works at now.
func (c *conn) expired(now time.Time) bool {
	return !c.expiresAt.IsZero() && !now.Before(c.expiresAt)
}

// offer queues f without blocking; limit frames waiting cut the connection
// off so one slow client never slows the others (it resumes with
// Last-Event-ID).
func (c *conn) offer(f frame) {
	c.qmu.Lock()
	if len(c.queue) >= c.limit {
		c.qmu.Unlock()
		c.once.Do(func() {
			close(c.cut)
			telemetry.SSESlowClientsCut.Inc()
		})
		c.kick()
		return
	}
	c.queue = append(c.queue, f)
	first := len(c.queue) == 1
	c.qmu.Unlock()
	if first {
		c.kick()
	}
}

// kick wakes the pump unless a wake-up is already pending.
func (c *conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// beat asks the pump for a heartbeat.
func (c *conn) beat() {
	c.beatDue.Store(true)
	c.kick()
}

// expire tells the pump that the credential ran out.
func (c *conn) expire() {
	c.expireDue.Store(true)
	c.kick()
}

// take returns the waiting frames and leaves spare (emptied) as the
// queue. With nothing waiting it returns nil and keeps the queue as it
// is: the caller still owns spare. (Installing spare then, while the
// caller kept it for the next call, made the queue and the next batch
// share an array: frames offered during a write overwrote the batch and
// were lost. A wake-up without frames, from a heartbeat, is common.)
func (c *conn) take(spare []frame) []frame {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if len(c.queue) == 0 {
		return nil
	}
	q := c.queue
	c.queue = spare[:0]
	return q
}

// shutdown ends the stream with a retry hint (hub stop, revocation).
func (c *conn) shutdown() {
	c.mu.Lock()
	c.stopping = true
	c.mu.Unlock()
	c.once.Do(func() { close(c.cut) })
	c.kick()
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
	if r.ProtoMajor == 1 {
		// A body that ends when the connection closes, as the SSE
		// specification suggests, instead of chunks: each event is then
		// one write of its bytes, without a chunk header formatted for it.
		hd.Set("Transfer-Encoding", "identity")
	}
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

// pump copies live frames to the client until it goes away. It waits on
// the one wake channel, not a select over the request, the cut, the
// heartbeat and the expiry: a fan-out wakes every recipient's pump, and a
// receive on one channel costs a fraction of a select over five. Each
// wake-up checks every reason in the same order as before: nothing is
// written once the stream was revoked, cut or expired.
func (h *Hub) pump(ctx context.Context, w io.Writer, rc *http.ResponseController, c *conn, sent uint64) error {
	stopCtx := context.AfterFunc(ctx, c.kick)
	defer stopCtx()
	beat := time.AfterFunc(h.opt.Heartbeat, c.beat)
	defer beat.Stop()
	if !c.expiresAt.IsZero() {
		t := time.AfterFunc(time.Until(c.expiresAt), c.expire)
		defer t.Stop()
	}
	var batch, spare []frame
	for {
		<-c.wake
		if ctx.Err() != nil {
			return nil
		}
		if c.isCut() {
			if c.isStopping() {
				writeRetry(w, rc)
			}
			return nil
		}
		if c.expireDue.Load() || c.expired(time.Now()) {
			writeRetry(w, rc)
			return nil
		}
		if c.beatDue.Swap(false) {
			beat.Reset(h.opt.Heartbeat)
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return nil
			}
		}
		batch = c.take(spare)
		if len(batch) > 0 {
			var err error
			sent, err = writeBatch(w, batch, sent)
			// Drop the written frames' bytes; keep a small slice for the
			// next burst, not a big one for an idle stream.
			clear(batch)
			spare = nil
			if cap(batch) <= 16 {
				spare = batch[:0]
			}
			if err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// batchBufs hold a batch of frames while it is written in one go.
var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// writeBatch writes the frames after sent in one write and returns the
// sequence seen up to. One frame (the usual case: one event at a time) is
// written as it is; several are copied into one pooled buffer first.
func writeBatch(w io.Writer, batch []frame, sent uint64) (uint64, error) {
	n := 0
	for _, f := range batch {
		if f.id != 0 && f.id <= sent {
			continue // already replayed
		}
		if f.id != 0 {
			sent = f.id
		}
		batch[n] = f
		n++
	}
	var err error
	switch n {
	case 0:
		return sent, nil
	case 1:
		_, err = w.Write(batch[0].enc)
	default:
		bp := batchBufs.Get().(*[]byte)
		buf := (*bp)[:0]
		for _, f := range batch[:n] {
			buf = append(buf, f.enc...)
		}
		_, err = w.Write(buf)
		if cap(buf) <= 64<<10 {
			*bp = buf[:0]
			batchBufs.Put(bp)
		}
	}
	if err != nil {
		return sent, err
	}
	telemetry.SSEEventsSent.Add(float64(n))
	now := time.Now()
	for _, f := range batch[:n] {
		if !f.committed.IsZero() {
			telemetry.DeliveryDuration.Observe(now.Sub(f.committed).Seconds())
		}
	}
	return sent, nil
}

// writeRetry sends a reconnection hint of 1-4 s, jittered so that clients
// do not all come back at once.
func writeRetry(w io.Writer, rc *http.ResponseController) {
	_, _ = fmt.Fprintf(w, "retry: %d\n\n", 1000+rand.IntN(3000))
	_ = rc.Flush()
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

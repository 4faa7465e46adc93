package proxy

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
)

// drainRetryHint is the retry field a drained stream ends with: the
// client waits 1 to 4 s (jittered, as the nodes' own hub does, so a
// drained gateway's clients do not all come back at once) and reconnects
// with its Last-Event-ID, through whatever now answers the address.
func drainRetryHint() []byte {
	return fmt.Appendf(nil, "retry: %d\n\n", 1000+rand.IntN(3000))
}

// drainableStream is an event stream's body from a node that ends, once
// draining starts, at the next event boundary: the client gets whole
// events, then a retry hint, then the end of the response. Never mid
// event, which the client would dispatch with a truncated data field once
// the hint's line was glued to it.
type drainableStream struct {
	body io.ReadCloser
	// cancel ends the request to the node: closing the body alone may not
	// wake a Read blocked on the connection.
	cancel context.CancelFunc
	stop   func() bool // unregisters the drain callback

	mu       sync.Mutex
	tail     [4]byte // the last bytes passed on (for the boundary test)
	n        int     // how many bytes were ever passed on (capped)
	draining bool
	closed   bool   // body closed by the drain callback
	hint     []byte // what is left to send of the retry hint
	done     bool
}

// newDrainableStream wraps body; when draining is cancelled the stream
// ends as described above.
func newDrainableStream(draining context.Context, body io.ReadCloser, cancel context.CancelFunc) *drainableStream {
	s := &drainableStream{body: body, cancel: cancel}
	s.stop = context.AfterFunc(draining, s.startDrain)
	return s
}

// startDrain runs when draining starts. A stream at a boundary (it is
// waiting for the node's next event) is cut at once by closing the
// node's body, which makes the pending Read return; one in the middle of
// an event is cut by Read once the event is through.
func (s *drainableStream) startDrain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draining = true
	s.hint = drainRetryHint()
	if s.atBoundary() {
		s.closed = true
		s.cancel()
		_ = s.body.Close()
	}
}

// atBoundary reports whether what was passed on so far ends an event
// (or nothing was). The caller holds mu.
func (s *drainableStream) atBoundary() bool {
	if s.n == 0 {
		return true
	}
	t := s.tail
	lf := t[3] == '\n' && (t[2] == '\n' || s.n >= 4 && string(t[:]) == "\r\n\r\n")
	return lf || t[3] == '\r' && t[2] == '\r'
}

// Read passes on the node's bytes until draining reaches a boundary, then
// the retry hint, then io.EOF.
func (s *drainableStream) Read(p []byte) (int, error) {
	if n, err, ok := s.readHint(p); ok {
		return n, err
	}
	n, err := s.body.Read(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remember(p[:n])
	if s.draining && (s.closed || err != nil || s.atBoundary()) {
		if !s.closed {
			s.closed = true
			_ = s.body.Close()
		}
		return n, nil // the hint follows on the next Read
	}
	return n, err
}

// readHint sends the rest of the retry hint once the stream is cut; ok
// says whether the stream is cut.
func (s *drainableStream) readHint(p []byte) (int, error, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		return 0, nil, false
	}
	if s.done || len(s.hint) == 0 || !s.atBoundary() {
		// Cut mid event (its node went away while draining): no hint, as
		// it would be glued to the half event.
		s.done = true
		return 0, io.EOF, true
	}
	n := copy(p, s.hint)
	s.hint = s.hint[n:]
	if len(s.hint) == 0 {
		s.done = true
	}
	return n, nil, true
}

// remember keeps the last bytes passed on. The caller holds mu.
func (s *drainableStream) remember(b []byte) {
	for _, c := range b {
		s.tail = [4]byte{s.tail[1], s.tail[2], s.tail[3], c}
	}
	s.n = min(s.n+len(b), 1<<30)
}

// Close closes the node's body and forgets the drain callback.
func (s *drainableStream) Close() error {
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.body.Close()
}

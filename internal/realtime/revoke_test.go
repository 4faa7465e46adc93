package realtime

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// serveTest is the test server's handler: the credential comes from the
// headers X-User, X-Session, X-Expires (Unix ms) and X-Checked (Unix ms).
func serveTest(w http.ResponseWriter, req *http.Request, h *Hub) {
	num := func(name string) int64 {
		n, _ := strconv.ParseInt(req.Header.Get(name), 10, 64)
		return n
	}
	cred := Credential{UserID: num("X-User"), SessionID: num("X-Session")}
	if ms := num("X-Expires"); ms != 0 {
		cred.ExpiresAt = time.UnixMilli(ms)
	}
	if ms := num("X-Checked"); ms != 0 {
		cred.CheckedAt = time.UnixMilli(ms)
	}
	if err := h.Serve(w, req, cred, req.Header.Get("Last-Event-ID")); errors.Is(err, ErrRevoked) {
		http.Error(w, "revoked", http.StatusUnauthorized)
	}
}

// open connects with a full credential; extra headers as name, value.
func open(t *testing.T, url string, uid, sid int64, extra ...string) *stream {
	t.Helper()
	s, status := tryOpen(t, url, uid, sid, extra...)
	if s == nil {
		t.Fatalf("open stream of user %d session %d: status %d", uid, sid, status)
	}
	return s
}

func tryOpen(t *testing.T, url string, uid, sid int64, extra ...string) (*stream, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("X-User", strconv.FormatInt(uid, 10))
	req.Header.Set("X-Session", strconv.FormatInt(sid, 10))
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, resp.StatusCode
	}
	s := &stream{resp: resp, events: make(chan sseEvent, 1024)}
	go s.read()
	t.Cleanup(s.close)
	s.nextOf(t, "ready")
	return s, resp.StatusCode
}

// waitEnd reads s until it ends (with a deadline) and reports whether a
// retry hint came before the end, and whether an event of type typ did.
func (s *stream) waitEnd(t *testing.T, typ string) (retry, got bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return retry, got
			}
			retry = retry || ev.Retry != ""
			got = got || ev.Event == typ
		case <-deadline:
			t.Fatal("stream did not end within 10s")
		}
	}
}

func TestRevocationEndsTheMatchingStreams(t *testing.T) {
	for _, tc := range []struct {
		name       string
		session    int64 // revoked; 0 = every session of user 1
		endA, endB bool
	}{
		{"one session", 1, true, false},
		{"every session of the user", 0, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			a, b := open(t, e.srv.URL, 1, 1), open(t, e.srv.URL, 1, 2)
			other := open(t, e.srv.URL, 2, 3)
			if err := e.hub.Revoke(context.Background(), 1, tc.session); err != nil {
				t.Fatal(err)
			}
			e.publish(t, 1, 10, model.EventMessageCreated, nil) // chat 10: users 1 and 2
			for _, c := range []struct {
				s   *stream
				end bool
			}{{a, tc.endA}, {b, tc.endB}} {
				if !c.end {
					c.s.nextOf(t, model.EventMessageCreated)
					continue
				}
				retry, got := c.s.waitEnd(t, model.EventMessageCreated)
				if !retry || got {
					t.Fatalf("revoked stream: retry hint %v, message after revocation %v", retry, got)
				}
			}
			other.nextOf(t, model.EventMessageCreated)
		})
	}
}

func TestRevocationOnOneHubEndsStreamsOnAnother(t *testing.T) {
	e := newEnv(t, Options{})
	other := NewHub(e.hub.nc, e.js, e.roster, Options{})
	if err := other.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Stop(context.Background()) })
	notices := heard(other)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveTest(w, r, other) }))
	t.Cleanup(srv.Close)
	s := open(t, srv.URL, 1, 7)
	if err := e.hub.Revoke(context.Background(), 1, 7); err != nil {
		t.Fatal(err)
	}
	if retry, _ := s.waitEnd(t, ""); !retry {
		t.Fatal("the stream on the other hub ended without a retry hint")
	}
	waitHeard(t, notices, [2]int64{1, 7}) // and its listeners (the auth cache) were told
}

func TestStreamEndsWhenItsCredentialExpires(t *testing.T) {
	e := newEnv(t, Options{})
	// The header carries milliseconds: compare with the instant it names.
	exp := time.UnixMilli(time.Now().Add(300 * time.Millisecond).UnixMilli())
	s := open(t, e.srv.URL, 1, 1, "X-Expires", strconv.FormatInt(exp.UnixMilli(), 10))
	if retry, _ := s.waitEnd(t, ""); !retry {
		t.Fatal("an expired stream ended without a retry hint")
	}
	if now := time.Now(); now.Before(exp) {
		t.Fatalf("the stream ended at %v, before its credential expired at %v", now, exp)
	}
	past := strconv.FormatInt(time.Now().Add(-time.Second).UnixMilli(), 10)
	if s, status := tryOpen(t, e.srv.URL, 1, 1, "X-Expires", past); s != nil || status != http.StatusUnauthorized {
		t.Fatalf("an expired credential opened a stream (status %d)", status)
	}
}

// heard returns a channel that receives every notice hub h hears.
func heard(h *Hub) <-chan [2]int64 {
	ch := make(chan [2]int64, 64)
	h.OnRevoke(func(uid, sid int64) { ch <- [2]int64{uid, sid} })
	return ch
}

func waitHeard(t *testing.T, ch <-chan [2]int64, want [2]int64) {
	t.Helper()
	for {
		select {
		case got := <-ch:
			if got == want {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("notice %v not heard within 10s", want)
		}
	}
}

// A credential checked before a revocation was heard, but registering
// after it, is refused: otherwise the stream would outlive the revocation.
// The echo of the hub's own notice does not count again.
func TestRevocationHeardWhileOpeningRefusesTheStream(t *testing.T) {
	e := newEnv(t, Options{})
	notices := heard(e.hub)
	checked := strconv.FormatInt(time.Now().Add(-time.Second).UnixMilli(), 10)
	if err := e.hub.Revoke(context.Background(), 1, 5); err != nil {
		t.Fatal(err)
	}
	waitHeard(t, notices, [2]int64{1, 5}) // the echo
	if s, status := tryOpen(t, e.srv.URL, 1, 5, "X-Checked", checked); s != nil || status != http.StatusUnauthorized {
		t.Fatalf("a stream checked before the revocation opened (status %d)", status)
	}
	// Another session of the user, and a credential checked afterwards,
	// still open.
	open(t, e.srv.URL, 1, 6, "X-Checked", checked)
	open(t, e.srv.URL, 1, 5)
}

func TestMalformedRevocationNoticeIsIgnored(t *testing.T) {
	e := newEnv(t, Options{})
	notices := heard(e.hub)
	s := open(t, e.srv.URL, 1, 1)
	for _, body := range []string{"", "{", `{"user_id":0}`, `{"user_id":1,"session_id":-1}`, `[1]`, `{"user_id":2}`} {
		if err := e.hub.nc.Publish(RevokeSubject, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	waitHeard(t, notices, [2]int64{2, 0}) // the good one, published last
	e.publish(t, 1, 10, model.EventMessageCreated, nil)
	s.nextOf(t, model.EventMessageCreated)
}

// The control event user.credentials_revoked, read from the stream (as a
// change made by `fechatter admin` in another process arrives), ends every
// stream of its user, tells the listeners, and reaches no client; a
// stream that resumes from before it does not replay it either.
func TestCredentialsRevokedEventEndsTheUsersStreams(t *testing.T) {
	e := newEnv(t, Options{})
	notices := heard(e.hub)
	a, b := open(t, e.srv.URL, 1, 1), open(t, e.srv.URL, 1, 2)
	other := open(t, e.srv.URL, 2, 3)
	e.publish(t, 0, 0, model.EventCredentialsRevoked, map[string]any{"user_id": 1})
	e.publish(t, 1, 10, model.EventMessageCreated, nil) // chat 10: users 1 and 2
	for _, s := range []*stream{a, b} {
		if retry, got := s.waitEnd(t, model.EventMessageCreated); !retry || got {
			t.Fatalf("revoked stream: retry hint %v, message after revocation %v", retry, got)
		}
	}
	waitHeard(t, notices, [2]int64{1, 0})
	isMessage := func(ev sseEvent) bool { return ev.Event == model.EventMessageCreated }
	other.nextIsSentinel(t, "the message", isMessage, model.EventCredentialsRevoked, model.EventMessageCreated)
	resumed := open(t, e.srv.URL, 2, 4, "Last-Event-ID", "0")
	resumed.nextIsSentinel(t, "the replayed message", isMessage, model.EventCredentialsRevoked, model.EventMessageCreated)
}

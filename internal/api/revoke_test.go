package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/realtime"
	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// streamWorld is a small cluster in one process: one embedded NATS with
// the EVENTS stream, one SQLite store with its outbox relay, and any number
// of API nodes over them, each with its own auth service, hub and tickets,
// wired as the appliance wires them.
type streamWorld struct {
	t   testing.TB
	ns  *natsd.Server
	js  jetstream.JetStream
	st  *sqlite.Store
	key []byte
}

func newStreamWorld(t testing.TB) *streamWorld {
	t.Helper()
	ctx := context.Background()
	ns, err := natsd.New(natsd.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ns.Stop(context.Background()) })
	w := &streamWorld{t: t, ns: ns, key: []byte("api-test-signing-key-0123456789abcdef")}
	w.js = w.conn().js
	if _, err := events.EnsureStream(ctx, w.js, events.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "fechatter.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w.st = st
	relay := events.NewRelay(st, w.js, events.RelayOptions{PollInterval: 10 * time.Millisecond})
	if err := relay.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = relay.Stop(context.Background()) })
	return w
}

type natsConn struct {
	nc *nats.Conn
	js jetstream.JetStream
}

// conn is a new connection to the world's NATS, as each node has its own.
func (w *streamWorld) conn() natsConn {
	nc, err := w.ns.Connect()
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		w.t.Fatal(err)
	}
	return natsConn{nc, js}
}

// node starts one API node; mod may change its auth settings.
func (w *streamWorld) node(t *testing.T, mod func(*auth.Config)) *harness {
	t.Helper()
	deps, stop := w.deps(mod)
	h := newHarness(t, func(d *Deps) {
		d.Chat, d.Auth, d.Events, d.Tickets, d.Log = deps.Chat, deps.Auth, deps.Events, deps.Tickets, deps.Log
	}, nil)
	t.Cleanup(stop) // ends the streams before the server closes
	return h
}

// deps builds one node's services over the world; stop ends its hub.
func (w *streamWorld) deps(mod func(*auth.Config)) (Deps, func()) {
	t := w.t
	t.Helper()
	ctx := context.Background()
	c := w.conn()
	log := telemetry.NewLogger(&syncBuffer{}, "json", "debug")
	cfg := auth.Config{
		SigningKey: w.key, Argon: auth.ArgonParams{Memory: 64, Time: 1, Threads: 1}, ReuseGrace: -1, Log: log,
	}
	if mod != nil {
		mod(&cfg)
	}
	authSvc := auth.New(w.st, cfg)
	hub := realtime.NewHub(c.nc, c.js, chat.NewAudience(w.st), realtime.Options{Log: log})
	if err := hub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tickets, err := realtime.NewTickets(ctx, c.js, 1, w.key)
	if err != nil {
		t.Fatal(err)
	}
	authSvc.SetRevocations(hub)
	hub.OnRevoke(authSvc.ForgetSession)
	chatSvc := chat.New(w.st, authSvc, chat.Config{FilesDir: t.TempDir(), MaxFileSize: testMaxFile}, log)
	d := Deps{
		Chat: chatSvc, Auth: authSvc, Events: hub, Tickets: tickets, Log: log,
		Config: Config{MaxBodyBytes: testMaxBody, MaxFileSize: testMaxFile, SecureCookies: CookiesAlways, Version: "test"},
	}
	return d, func() { _ = hub.Stop(context.Background()) }
}

// sseLine is one line of an event stream, or the end (ended).
type sseLine struct {
	text  string
	ended bool
}

// sse is an open event stream read line by line in the background.
type sse struct {
	name  string
	lines chan sseLine
	res   *http.Response
}

// how a stream is opened.
type streamAuth struct {
	token  string       // bearer
	ticket string       // ?ticket=
	cookie *http.Cookie // the session cookie
}

// tryStream opens GET /api/events on h; it returns the stream, or nil and
// the status of a refusal.
func tryStream(t *testing.T, h *harness, a streamAuth) (*sse, int) {
	t.Helper()
	path := eventsPath
	if a.ticket != "" {
		path += "?ticket=" + url.QueryEscape(a.ticket)
	}
	rq := req{method: http.MethodGet, path: path, token: a.token, header: map[string]string{"Sec-Fetch-Site": "same-origin"}}
	if a.cookie != nil {
		rq.cookies = []*http.Cookie{a.cookie}
	}
	res, err := h.srv.Client().Do(h.build(rq))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, res.StatusCode
	}
	s := &sse{lines: make(chan sseLine, 4096), res: res}
	t.Cleanup(func() { res.Body.Close() })
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			s.lines <- sseLine{text: sc.Text()}
		}
		s.lines <- sseLine{ended: true}
	}()
	s.until(t, "event: ready")
	return s, http.StatusOK
}

func openSSE(t *testing.T, h *harness, name string, a streamAuth) *sse {
	t.Helper()
	s, status := tryStream(t, h, a)
	if s == nil {
		t.Fatalf("open %s stream: %d", name, status)
	}
	s.name = name
	return s
}

// until reads up to a line with the prefix and fails at the end of the
// stream or after 10 s.
func (s *sse) until(t *testing.T, prefix string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l := <-s.lines:
			if l.ended {
				t.Fatalf("%s stream ended before %q", s.name, prefix)
			}
			if strings.HasPrefix(l.text, prefix) {
				return
			}
		case <-deadline:
			t.Fatalf("%s stream: no %q within 10s", s.name, prefix)
		}
	}
}

// waitEnd reads s to its end (failing after 10 s) and reports whether a
// retry hint and a line containing marker came first.
func (s *sse) waitEnd(t *testing.T, marker string) (retry, saw bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l := <-s.lines:
			if l.ended {
				return retry, saw
			}
			retry = retry || strings.HasPrefix(l.text, "retry: ")
			saw = saw || (marker != "" && strings.Contains(l.text, marker))
		case <-deadline:
			t.Fatalf("%s stream did not end within 10s of the revocation", s.name)
		}
	}
}

// browserSession signs in as a browser: the refresh token in the cookie.
func browserSession(t *testing.T, h *harness, email string) (session, *http.Cookie) {
	t.Helper()
	r := want(t, h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{
		"email": email, "password": "correct horse battery",
	}}), http.StatusOK)
	for _, c := range r.res.Cookies() {
		if c.Name == secureRefreshCookie && c.Value != "" {
			return sessionOf(t, r), &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatal("sign-in set no refresh cookie")
	return session{}, nil
}

func ticketFor(t *testing.T, h *harness, token string) string {
	t.Helper()
	r := want(t, h.do(req{method: "POST", path: eventsPath + "/ticket", token: token}), http.StatusCreated)
	tk, _ := r.json(t)["ticket"].(string)
	return tk
}

// sessionIDOf finds the id of the session whose token this is.
func sessionIDOf(t *testing.T, h *harness, token string) int64 {
	t.Helper()
	r := want(t, h.do(req{method: "GET", path: "/api/auth/sessions", token: token}), http.StatusOK)
	for _, s := range r.json(t)["sessions"].([]any) {
		if m := s.(map[string]any); m["current"] == true {
			return int64(m["id"].(float64))
		}
	}
	t.Fatal("no current session")
	return 0
}

// revocationScene: alice has a browser session S (streams by bearer,
// ticket and cookie, on node b) and a second session S2 (a stream on node
// b); bob has a stream too. They share a direct chat.
type revocationScene struct {
	a, b        *harness
	alice, bob  session
	s, s2       session
	cookie      *http.Cookie
	chatID      int64
	ofS         []*sse
	ofS2, ofBob *sse
}

func newRevocationScene(t *testing.T) *revocationScene {
	w := newStreamWorld(t)
	sc := &revocationScene{a: w.node(t, nil), b: w.node(t, nil)}
	admin, ws := sc.a.setup()
	sc.alice = admin
	sc.bob = sc.a.join(admin, ws, "bob")
	chatResp := want(t, sc.a.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/chats", ws), token: admin.token,
		body: map[string]any{"type": "direct", "member_ids": []int64{sc.bob.id}}}), http.StatusCreated)
	sc.chatID = idOf(t, chatResp)
	sc.s, sc.cookie = browserSession(t, sc.a, "admin@example.com")
	sc.s2, _ = browserSession(t, sc.a, "admin@example.com")
	sc.ofS = []*sse{
		openSSE(t, sc.b, "bearer", streamAuth{token: sc.s.token}),
		openSSE(t, sc.b, "ticket", streamAuth{ticket: ticketFor(t, sc.a, sc.s.token)}),
		openSSE(t, sc.b, "cookie", streamAuth{cookie: sc.cookie}),
		openSSE(t, sc.a, "bearer on the revoking node", streamAuth{token: sc.s.token}),
	}
	sc.ofS2 = openSSE(t, sc.b, "other session", streamAuth{token: sc.s2.token})
	sc.ofBob = openSSE(t, sc.b, "bob", streamAuth{token: sc.bob.token})
	return sc
}

// send posts a message from bob and returns its marker text.
func (sc *revocationScene) send(t *testing.T, text string) {
	t.Helper()
	want(t, sc.b.do(req{method: "POST", path: fmt.Sprintf("/api/chats/%d/messages", sc.chatID), token: sc.bob.token,
		body: map[string]any{"content": text}}), http.StatusCreated)
}

// TestRevocationEndsStreams: for each way a session ends, alice's streams
// of that session (bearer, ticket, cookie; on the node that revoked and on
// another one) end promptly with a retry hint, a message sent afterwards
// does not reach them, the old credentials open nothing, and streams that
// the revocation does not cover go on.
func TestRevocationEndsStreams(t *testing.T) {
	for _, tc := range []struct {
		name string
		// revoke runs on node a; allSessions says whether S2 ends too.
		revoke      func(t *testing.T, sc *revocationScene)
		allSessions bool
	}{
		{"logout", func(t *testing.T, sc *revocationScene) {
			want(t, sc.a.do(req{method: "POST", path: "/api/auth/logout", token: sc.s.token}), http.StatusNoContent)
		}, false},
		{"session revoke", func(t *testing.T, sc *revocationScene) {
			id := sessionIDOf(t, sc.a, sc.s.token)
			want(t, sc.a.do(req{method: "DELETE", path: fmt.Sprintf("/api/auth/sessions/%d", id), token: sc.s2.token}), http.StatusNoContent)
		}, false},
		{"logout-all", func(t *testing.T, sc *revocationScene) {
			want(t, sc.a.do(req{method: "POST", path: "/api/auth/logout-all", token: sc.s2.token}), http.StatusNoContent)
		}, true},
		{"password change", func(t *testing.T, sc *revocationScene) {
			want(t, sc.a.do(req{method: "POST", path: "/api/me/password", token: sc.s2.token, body: map[string]any{
				"current_password": "correct horse battery", "new_password": "another horse battery",
			}}), http.StatusNoContent)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newRevocationScene(t)
			tc.revoke(t, sc)
			ended := sc.ofS
			if tc.allSessions {
				ended = append(ended, sc.ofS2)
			}
			for _, s := range ended {
				if retry, _ := s.waitEnd(t, ""); !retry {
					t.Errorf("%s stream ended without a retry hint", s.name)
				}
			}
			sc.send(t, "after-the-revocation")
			sc.ofBob.until(t, "data: ")
			if !tc.allSessions {
				sc.ofS2.until(t, "data: ")
			}
			// The old credentials open nothing, on either node.
			for _, h := range []*harness{sc.a, sc.b} {
				if _, status := tryStream(t, h, streamAuth{token: sc.s.token}); status != http.StatusUnauthorized {
					t.Errorf("old bearer token: %d, want 401", status)
				}
				if _, status := tryStream(t, h, streamAuth{cookie: sc.cookie}); status != http.StatusUnauthorized {
					t.Errorf("old session cookie: %d, want 401", status)
				}
				want(t, h.do(req{method: "POST", path: eventsPath + "/ticket", token: sc.s.token}), http.StatusUnauthorized)
			}
		})
	}
}

// TestLoggedOutAccessTokenIsRefusedAtOnce: the next request with the
// access token of an ended session is a 401, on the node that ended it
// and on another node that had just accepted the token.
func TestLoggedOutAccessTokenIsRefusedAtOnce(t *testing.T) {
	w := newStreamWorld(t)
	a, b := w.node(t, nil), w.node(t, nil)
	a.setup()
	s, _ := browserSession(t, a, "admin@example.com")
	other, _ := browserSession(t, a, "admin@example.com")
	want(t, b.do(req{method: "GET", path: "/api/me", token: s.token}), http.StatusOK) // b caches the session as live
	ended := openSSE(t, b, "bearer", streamAuth{token: s.token})
	want(t, a.do(req{method: "POST", path: "/api/auth/logout", token: s.token}), http.StatusNoContent)
	want(t, a.do(req{method: "GET", path: "/api/me", token: s.token}), http.StatusUnauthorized)
	ended.waitEnd(t, "") // b has heard the notice
	want(t, b.do(req{method: "GET", path: "/api/me", token: s.token}), http.StatusUnauthorized)
	want(t, b.do(req{method: "GET", path: "/api/me", token: other.token}), http.StatusOK)
}

// TestTicketOfEndedSessionIsRefused: a ticket is bound to the session that
// asked for it; once that session ends, the ticket opens nothing, on any
// node, although it was never used.
func TestTicketOfEndedSessionIsRefused(t *testing.T) {
	w := newStreamWorld(t)
	a, b := w.node(t, nil), w.node(t, nil)
	a.setup()
	s, _ := browserSession(t, a, "admin@example.com")
	other, _ := browserSession(t, a, "admin@example.com")
	tk1, tk2 := ticketFor(t, a, s.token), ticketFor(t, a, s.token)
	good := ticketFor(t, a, other.token)
	want(t, a.do(req{method: "POST", path: "/api/auth/logout", token: s.token}), http.StatusNoContent)
	for _, c := range []struct {
		h  *harness
		tk string
	}{{a, tk1}, {b, tk2}} {
		if _, status := tryStream(t, c.h, streamAuth{ticket: c.tk}); status != http.StatusUnauthorized {
			t.Errorf("ticket of an ended session: %d, want 401", status)
		}
	}
	openSSE(t, b, "ticket of a live session, made on another node", streamAuth{ticket: good})
}

// TestStreamEndsWhenItsCredentialExpires: a stream lasts as long as the
// credential it was opened with (access token, ticket: the token that
// asked for it; cookie: the session), then ends with a retry hint, and the
// expired credential opens nothing.
func TestStreamEndsWhenItsCredentialExpires(t *testing.T) {
	w := newStreamWorld(t)
	const life = 3 * time.Second // JWT exp has one-second precision
	a := w.node(t, func(c *auth.Config) { c.AccessTTL, c.RefreshTTL = life, life })
	a.setup()
	s, cookie := browserSession(t, a, "admin@example.com")
	streams := []*sse{
		openSSE(t, a, "bearer", streamAuth{token: s.token}),
		openSSE(t, a, "ticket", streamAuth{ticket: ticketFor(t, a, s.token)}),
		openSSE(t, a, "cookie", streamAuth{cookie: cookie}),
	}
	for _, st := range streams {
		if retry, _ := st.waitEnd(t, ""); !retry {
			t.Errorf("%s stream ended without a retry hint", st.name)
		}
	}
	if _, status := tryStream(t, a, streamAuth{token: s.token}); status != http.StatusUnauthorized {
		t.Errorf("expired token: %d, want 401", status)
	}
	if _, status := tryStream(t, a, streamAuth{cookie: cookie}); status != http.StatusUnauthorized {
		t.Errorf("expired session cookie: %d, want 401", status)
	}
}

// BenchmarkInvalidTicketRefused measures GET /api/events with a made-up
// ticket over HTTP, unauthenticated: it prints the time per refusal (it
// used to take about 0.4 s of lookups) and asserts nothing about it.
func BenchmarkInvalidTicketRefused(b *testing.B) {
	w := newStreamWorld(b)
	d, stop := w.deps(nil)
	b.Cleanup(stop)
	srv := httptest.NewServer(newServer(d).engine)
	b.Cleanup(srv.Close)
	for _, tc := range []struct{ name, ticket string }{
		{"made-up", strings.Repeat("A", 32)},
		{"well-formed-forged", strings.Repeat("A", 98)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				res, err := srv.Client().Get(srv.URL + eventsPath + "?ticket=" + tc.ticket)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusUnauthorized {
					b.Fatalf("status %d, want 401", res.StatusCode)
				}
			}
			b.Logf("an invalid ticket is refused in %v", time.Since(start)/time.Duration(b.N))
		})
	}
}

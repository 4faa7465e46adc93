package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// deadline turns a hang into a failure; nothing asserts speed.
const deadline = 10 * time.Second

// userHeader stands in for a verified credential in these tests: the
// appliance's KeyFunc verifies a token instead.
const userHeader = "X-Test-User"

func testKey(r *http.Request) (string, bool) {
	u := r.Header.Get(userHeader)
	return u, u != ""
}

// seen is what a test backend saw of a request.
type seen struct {
	Backend       int    `json:"backend"`
	Host          string `json:"host"`
	RequestID     string `json:"request_id"`
	ForwardedFor  string `json:"forwarded_for"`
	ForwardedHost string `json:"forwarded_host"`
	ForwardedProt string `json:"forwarded_proto"`
	Body          string `json:"body"`
}

// testBackend is a node stand-in on loopback.
type testBackend struct {
	*httptest.Server
	i     int
	ready atomic.Bool  // what /readyz answers
	hits  atomic.Int64 // requests other than /readyz
	// broken: read the request, then drop the connection unanswered.
	broken atomic.Bool
}

func newTestBackend(t *testing.T, i int) *testBackend {
	t.Helper()
	b := &testBackend{i: i}
	b.ready.Store(true)
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.Close)
	return b
}

func (b *testBackend) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/readyz" {
		if !b.ready.Load() {
			http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"status":"ok"}`)
		return
	}
	b.hits.Add(1)
	body, _ := io.ReadAll(r.Body)
	if b.broken.Load() {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(requestIDHeader, r.Header.Get(requestIDHeader)) // as the nodes do
	_ = json.NewEncoder(w).Encode(seen{
		Backend: b.i, Host: r.Host, RequestID: r.Header.Get(requestIDHeader),
		ForwardedFor: r.Header.Get("X-Forwarded-For"), ForwardedHost: r.Header.Get("X-Forwarded-Host"),
		ForwardedProt: r.Header.Get("X-Forwarded-Proto"), Body: string(body),
	})
}

// gateway is a started Proxy over n test backends, served on loopback.
type gateway struct {
	p        *Proxy
	srv      *httptest.Server
	backends []*testBackend
}

func newGateway(t *testing.T, n int, mutate func(*Config)) *gateway {
	t.Helper()
	g := &gateway{}
	cfg := Config{Key: testKey, HealthInterval: 50 * time.Millisecond, Log: quiet}
	for i := range n {
		b := newTestBackend(t, i)
		g.backends = append(g.backends, b)
		cfg.Backends = append(cfg.Backends, b.URL)
	}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(context.Background()) })
	g.p, g.srv = p, httptest.NewServer(p)
	t.Cleanup(g.srv.Close)
	return g
}

// do sends a request through the gateway and decodes what the backend saw.
func (g *gateway) do(t *testing.T, method, user string, body string, hdr map[string]string) (*http.Response, seen) {
	t.Helper()
	req, err := http.NewRequest(method, g.srv.URL+"/api/things", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set(userHeader, user)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s seen
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
	}
	return resp, s
}

// userOn finds a user whose first choice is backend i.
func (g *gateway) userOn(t *testing.T, i int) string {
	t.Helper()
	for n := range 10_000 {
		u := fmt.Sprintf("%d", n)
		if g.p.order("user:" + u)[0].name == g.p.backends[i].name {
			return u
		}
	}
	t.Fatalf("no user maps to backend %d", i)
	return ""
}

func TestForwardedHeadersAndRequestID(t *testing.T) {
	g := newGateway(t, 2, nil)
	host := strings.TrimPrefix(g.srv.URL, "http://")
	for _, tc := range []struct {
		name, sent string
		keep       bool
	}{
		{"a sane id passes through", "req-42.a_b:c", true},
		{"no id: one is made", "", false},
		{"an id the node would refuse is replaced", "bad id; forged=1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example"}
			if tc.sent != "" {
				hdr[requestIDHeader] = tc.sent
			}
			resp, s := g.do(t, http.MethodGet, "alice", "", hdr)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if tc.keep && s.RequestID != tc.sent || !tc.keep && (s.RequestID == "" || s.RequestID == tc.sent) {
				t.Errorf("node got request id %q (sent %q)", s.RequestID, tc.sent)
			}
			if got := resp.Header.Values(requestIDHeader); len(got) != 1 || got[0] != s.RequestID {
				t.Errorf("response X-Request-ID = %q, want just %q", got, s.RequestID)
			}
			// The client's own X-Forwarded-* are not passed on as truth.
			if s.ForwardedFor != "127.0.0.1" || s.ForwardedHost != host || s.ForwardedProt != "http" {
				t.Errorf("X-Forwarded-For/Host/Proto = %q %q %q, want 127.0.0.1 %s http", s.ForwardedFor, s.ForwardedHost, s.ForwardedProt, host)
			}
			if s.Host != host {
				t.Errorf("node saw Host %q, want the client's %q", s.Host, host)
			}
		})
	}
}

func TestSameUserSameBackend(t *testing.T) {
	g := newGateway(t, 3, nil)
	used := map[int]bool{}
	for u := range 30 {
		user := fmt.Sprint(u)
		_, first := g.do(t, http.MethodGet, user, "", nil)
		used[first.Backend] = true
		for range 4 {
			if _, s := g.do(t, http.MethodGet, user, "", nil); s.Backend != first.Backend {
				t.Fatalf("user %s went to backend %d, then %d", user, first.Backend, s.Backend)
			}
		}
	}
	if len(used) < 2 {
		t.Errorf("30 users all went to one backend: %v", used)
	}
	// Anonymous requests hash by client IP: all of these come from 127.0.0.1.
	_, anon := g.do(t, http.MethodGet, "", "", nil)
	for range 5 {
		if _, s := g.do(t, http.MethodGet, "", "", nil); s.Backend != anon.Backend {
			t.Fatalf("anonymous requests from one IP went to %d and %d", anon.Backend, s.Backend)
		}
	}
}

// waitState polls until backend i is in state s.
func (g *gateway) waitState(t *testing.T, i int, s State) {
	t.Helper()
	end := time.Now().Add(deadline)
	for g.p.backends[i].get() != s {
		if time.Now().After(end) {
			t.Fatalf("backend %d is %v, want %v", i, g.p.backends[i].get(), s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestActiveHealthCheck(t *testing.T) {
	g := newGateway(t, 3, nil)
	user := g.userOn(t, 0)
	g.backends[0].ready.Store(false)
	g.waitState(t, 0, StateNotReady)
	_, s := g.do(t, http.MethodGet, user, "", nil)
	if s.Backend == 0 {
		t.Fatal("a not-ready backend still gets its users")
	}
	g.backends[0].ready.Store(true)
	g.waitState(t, 0, StateUp)
	if _, s := g.do(t, http.MethodGet, user, "", nil); s.Backend != 0 {
		t.Fatalf("user went to %d after its backend came back, want 0", s.Backend)
	}
	if st := g.p.Backends(); st[0].State != StateUp || st[0].URL != g.backends[0].URL {
		t.Fatalf("Backends() = %+v", st)
	}
}

func TestRetryOnTheNextBackend(t *testing.T) {
	const clientID = `{"client_id":"c-1","content":"hi"}`
	for _, tc := range []struct {
		name, method, body, ctype string
		dead                      bool // connection refused (else: dropped after reading)
		retried                   bool
	}{
		{"GET to a dead node", http.MethodGet, "", "", true, true},
		{"POST to a dead node (nothing was sent)", http.MethodPost, `{"content":"hi"}`, "application/json", true, true},
		{"GET dropped", http.MethodGet, "", "", false, true},
		{"PUT dropped", http.MethodPut, `{"name":"x"}`, "application/json", false, true},
		{"DELETE dropped", http.MethodDelete, "", "", false, true},
		{"POST with client_id dropped", http.MethodPost, clientID, "application/json; charset=utf-8", false, true},
		{"POST without client_id dropped", http.MethodPost, `{"content":"hi"}`, "application/json", false, false},
		{"POST with an empty client_id dropped", http.MethodPost, `{"client_id":""}`, "application/json", false, false},
		{"POST with client_id as text dropped", http.MethodPost, clientID, "text/plain", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, 3, func(c *Config) { c.HealthInterval = time.Hour })
			user := g.userOn(t, 0)
			second := g.p.order("user:" + user)[1]
			if tc.dead {
				g.backends[0].Close()
			} else {
				g.backends[0].broken.Store(true)
			}
			resp, s := g.do(t, tc.method, user, tc.body, map[string]string{"Content-Type": tc.ctype})
			if !tc.retried {
				if resp.StatusCode != http.StatusBadGateway {
					t.Fatalf("status %d, want 502 (not retried)", resp.StatusCode)
				}
				for _, b := range g.backends[1:] {
					if b.hits.Load() != 0 {
						t.Fatalf("backend %d got the request: it was retried", b.i)
					}
				}
			} else {
				if resp.StatusCode != http.StatusOK || g.p.backends[s.Backend] != second {
					t.Fatalf("status %d from backend %d, want 200 from the user's second choice", resp.StatusCode, s.Backend)
				}
				if s.Body != tc.body {
					t.Fatalf("the retry carried body %q, want %q", s.Body, tc.body)
				}
			}
			if st := g.p.backends[0].get(); st != StateDown {
				t.Fatalf("the failed backend is %v, want down (passive ejection)", st)
			}
			// Its users stay away until a health check passes.
			if _, s := g.do(t, http.MethodGet, user, "", nil); g.p.backends[s.Backend] != second {
				t.Fatalf("next request went to %d, want the second choice", s.Backend)
			}
		})
	}
}

func TestLargeBodyIsStreamedNotRetried(t *testing.T) {
	g := newGateway(t, 2, func(c *Config) { c.MaxBodyBytes = 64; c.HealthInterval = time.Hour })
	user := g.userOn(t, 0)
	big := `{"client_id":"c-1","content":"` + strings.Repeat("x", 100) + `"}`
	resp, s := g.do(t, http.MethodPost, user, big, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != http.StatusOK || s.Body != big {
		t.Fatalf("status %d, body %q: a large body should pass through whole", resp.StatusCode, s.Body)
	}
	g.backends[0].broken.Store(true)
	if resp, _ := g.do(t, http.MethodPost, user, big, map[string]string{"Content-Type": "application/json"}); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502: a body not kept cannot be sent again", resp.StatusCode)
	}
	if n := g.backends[1].hits.Load(); n != 0 {
		t.Fatalf("the other backend got %d requests", n)
	}
}

func TestNoBackendAnswers(t *testing.T) {
	g := newGateway(t, 2, func(c *Config) { c.HealthInterval = time.Hour })
	for _, b := range g.backends {
		b.Close()
	}
	resp, _ := g.do(t, http.MethodGet, "alice", "", map[string]string{requestIDHeader: "rid-1"})
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get(requestIDHeader) != "rid-1" {
		t.Fatalf("status %d, request id %q; want 502 with the request id", resp.StatusCode, resp.Header.Get(requestIDHeader))
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name     string
		backends []string
	}{
		{"none", nil},
		{"no scheme", []string{"10.0.0.1:8080"}},
		{"a path", []string{"http://10.0.0.1:8080/api"}},
		{"credentials", []string{"http://u:p@10.0.0.1:8080"}},
		{"twice", []string{"http://10.0.0.1:8080", "http://10.0.0.1:8080/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(Config{Backends: tc.backends}); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}

// sseBackend streams what the test sends on lines, flushing each.
func sseBackend(t *testing.T, lines <-chan string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		_ = rc.Flush()
		for {
			select {
			case l := <-lines:
				fmt.Fprint(w, l)
				_ = rc.Flush()
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// readUntil reads from r until got ends with want.
func readUntil(t *testing.T, r *bufio.Reader, want string) string {
	t.Helper()
	var got strings.Builder
	for !strings.HasSuffix(got.String(), want) {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("after %q: %v (want %q)", got.String(), err, want)
		}
		got.WriteByte(b)
	}
	return got.String()
}

// TestDrainEndsStreamsWithRetry: Drain ends every open event stream with
// a retry hint, never in the middle of an event, and the stream's
// response ends cleanly.
func TestDrainEndsStreamsWithRetry(t *testing.T) {
	for _, midEvent := range []bool{false, true} {
		t.Run(fmt.Sprintf("mid event %v", midEvent), func(t *testing.T) {
			lines := make(chan string)
			be := sseBackend(t, lines)
			p, err := New(Config{Backends: []string{be.URL}, HealthInterval: time.Hour, Log: quiet})
			if err != nil {
				t.Fatal(err)
			}
			must(t, p.Start(context.Background()))
			srv := httptest.NewServer(p)
			t.Cleanup(srv.Close)
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/events", nil)
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			lines <- "id: 1\ndata: {\"a\":1}\n\n"
			readUntil(t, r, "data: {\"a\":1}\n\n")
			if midEvent {
				lines <- "id: 2\ndata: {\"a\""
				readUntil(t, r, "id: 2\ndata: {\"a\"")
			}
			p.Drain()
			if midEvent {
				lines <- ":2}\n\n"
				readUntil(t, r, ":2}\n\n")
			}
			rest, err := io.ReadAll(r)
			must(t, err)
			if !strings.HasPrefix(string(rest), "retry: ") || !strings.HasSuffix(string(rest), "\n\n") || strings.Count(string(rest), "\n") != 2 {
				t.Fatalf("after draining the stream sent %q, want just a retry hint", rest)
			}
			// A stream opened while draining ends at once with the hint.
			resp2, err := http.Get(srv.URL + "/api/events")
			must(t, err)
			body, err := io.ReadAll(resp2.Body)
			resp2.Body.Close()
			must(t, err)
			if !strings.HasPrefix(string(body), "retry: ") {
				t.Fatalf("a stream opened while draining got %q", body)
			}
			must(t, p.Stop(context.Background()))
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// quiet drops the proxy's log lines (state changes are asserted instead).
var quiet = slog.New(slog.DiscardHandler)

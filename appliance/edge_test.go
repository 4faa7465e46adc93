package appliance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/gateway"
)

const edgeSetupToken = "edge-test-setup-token"

// edgeClient talks to one appliance as one person.
type edgeClient struct {
	t     *testing.T
	base  string
	token string
	ws    int64
}

// call sends a request and returns the answer with its body read.
func (c *edgeClient) call(method, path, body string, header map[string]string) (*http.Response, string) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, string(data)
}

// setUp runs first-run setup and keeps the admin's token and workspace.
func (c *edgeClient) setUp() {
	c.t.Helper()
	res, body := c.call("POST", "/api/setup", `{"email":"admin@example.com","password":"correct horse battery",
		"username":"admin","display_name":"Admin","workspace_name":"Acme","setup_token":"`+edgeSetupToken+`"}`, nil)
	var s struct {
		AccessToken string `json:"access_token"`
	}
	if res.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &s) != nil {
		c.t.Fatalf("setup: %d %s", res.StatusCode, body)
	}
	c.token = s.AccessToken
	_, body = c.call("GET", "/api/workspaces", "", nil)
	var ws struct {
		Workspaces []struct{ ID int64 } `json:"workspaces"`
	}
	if json.Unmarshal([]byte(body), &ws) != nil || len(ws.Workspaces) != 1 {
		c.t.Fatalf("workspaces: %s", body)
	}
	c.ws = ws.Workspaces[0].ID
}

func startEdge(t *testing.T, edit func(*Config)) *edgeClient {
	t.Helper()
	cfg := testConfig(t)
	cfg.SetupToken = edgeSetupToken
	edit(&cfg)
	a := startAppliance(t, cfg, nil)
	return &edgeClient{t: t, base: "http://" + a.Addr()}
}

// untilLimited repeats a request until it is refused with 429 and returns
// how many went through before and the refusal.
func (c *edgeClient) untilLimited(method, path, body string, header map[string]string) (passed int, res *http.Response, answer string) {
	c.t.Helper()
	for range 50 {
		res, answer = c.call(method, path, body, header)
		if res.StatusCode == http.StatusTooManyRequests {
			return passed, res, answer
		}
		passed++
	}
	c.t.Fatalf("%s %s never refused: last %d %s", method, path, res.StatusCode, answer)
	return 0, nil, ""
}

// checkRefusal asserts the 429 answer of a policy with quota q.
func checkRefusal(t *testing.T, res *http.Response, body, policy string, q int) {
	t.Helper()
	if !strings.Contains(body, `"code":"rate_limited"`) || res.Header.Get("Retry-After") == "" {
		t.Fatalf("refusal: %v %s", res.Header, body)
	}
	wantPolicy := fmt.Sprintf("%q;q=%d;w=60", policy, q)
	if !strings.Contains(strings.Join(res.Header.Values("RateLimit-Policy"), ","), wantPolicy) {
		t.Errorf("RateLimit-Policy %v lacks %s", res.Header.Values("RateLimit-Policy"), wantPolicy)
	}
	if !strings.Contains(strings.Join(res.Header.Values("RateLimit"), ","), fmt.Sprintf("%q;r=0;t=", policy)) {
		t.Errorf("RateLimit %v does not show %s spent", res.Header.Values("RateLimit"), policy)
	}
}

// TestRateLimitClasses: each class answers 429 with Retry-After and the
// RateLimit fields once its budget is spent, and one class's budget does
// not touch another's.
func TestRateLimitClasses(t *testing.T) {
	c := startEdge(t, func(cfg *Config) {
		l := &cfg.Limits
		l.Auth.PerIP = 4
		l.Writes.PerUser, l.Reads.PerUser, l.Search.PerUser, l.Events.PerUser = 3, 5, 3, 3
	})
	c.setUp() // one auth request, one read
	for _, tc := range []struct {
		policy       string
		q, min       int
		method, path string
		body         string
	}{
		{"writes", 3, 3, "PATCH", "/api/me", `{"display_name":"A"}`},
		{"reads", 5, 4, "GET", "/api/me", ""},
		{"search", 3, 3, "GET", fmt.Sprintf("/api/workspaces/%d/search?q=hello", c.ws), ""},
		{"events", 3, 3, "POST", "/api/events/ticket", ""},
	} {
		passed, res, body := c.untilLimited(tc.method, tc.path, tc.body, nil)
		if passed < tc.min || passed > tc.q {
			t.Errorf("%s: %d requests passed, want %d to %d", tc.policy, passed, tc.min, tc.q)
		}
		checkRefusal(t, res, body, tc.policy, tc.q)
	}
	// The auth class is per client IP: sign-in attempts of a stranger.
	stranger := &edgeClient{t: t, base: c.base}
	passed, res, body := stranger.untilLimited("POST", "/api/auth/signin", `{"email":"x@example.com","password":"wrong password"}`, nil)
	if passed != 3 { // setup spent the first
		t.Errorf("auth: %d sign-ins passed, want 3", passed)
	}
	checkRefusal(t, res, body, "auth-ip", 4)
}

// TestForwardedForTrust: a spoofed X-Forwarded-For from an untrusted peer
// does not buy a new budget; behind a trusted proxy each client has its own.
func TestForwardedForTrust(t *testing.T) {
	signIn := `{"email":"x@example.com","password":"wrong password"}`
	for _, tc := range []struct {
		name    string
		trusted []string
		fresh   bool
	}{
		{"untrusted peer", nil, false},
		{"trusted proxy", []string{"127.0.0.1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startEdge(t, func(cfg *Config) {
				cfg.Limits.Auth.PerIP = 2
				cfg.Server.TrustedProxies = tc.trusted
			})
			c.untilLimited("POST", "/api/auth/signin", signIn, map[string]string{"X-Forwarded-For": "198.51.100.1"})
			res, _ := c.call("POST", "/api/auth/signin", signIn, map[string]string{"X-Forwarded-For": "198.51.100.2"})
			if got := res.StatusCode != http.StatusTooManyRequests; got != tc.fresh {
				t.Fatalf("another X-Forwarded-For: %d, want a fresh budget %v", res.StatusCode, tc.fresh)
			}
		})
	}
}

// openStream opens an event stream and returns its answer; the stream
// stays open until the body is closed.
func (c *edgeClient) openStream(ctx context.Context) *http.Response {
	c.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

// TestStreamCapPerUser: the 21st concurrent event stream of one user is
// refused with 429; once one ends, a new one is accepted.
func TestStreamCapPerUser(t *testing.T) {
	c := startEdge(t, func(*Config) {})
	c.setUp()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var open []*http.Response
	for i := range 20 {
		res := c.openStream(ctx)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d", i+1, res.StatusCode)
		}
		open = append(open, res)
	}
	res := c.openStream(ctx)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(strings.Join(res.Header.Values("RateLimit"), ","), `"streams";r=0`) {
		t.Fatalf("21st stream: %d %v %s", res.StatusCode, res.Header, body)
	}
	open[0].Body.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := c.openStream(ctx)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stream accepted after one ended: %d", res.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, r := range open[1:] {
		r.Body.Close()
	}
}

// securityHeaders are the headers every answer carries.
var securityHeaders = []string{"X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy"}

// TestRequestFilters: 413, 415, 405 with Allow, 431 and 414 on a real
// listener, every answer (API, web app, errors) with the security headers.
func TestRequestFilters(t *testing.T) {
	c := startEdge(t, func(cfg *Config) {
		cfg.Server.MaxBodyBytes = 1024
		cfg.Server.MaxHeaderBytes = 4096
		cfg.Server.MaxURIBytes = 2048
	})
	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
	}{
		{"API", "GET", "/api/setup", "", nil, 200},
		{"web app", "GET", "/", "", nil, 200},
		{"no route", "GET", "/api/nope", "", nil, 404},
		{"body too large", "POST", "/api/auth/signin", `{"email":"` + strings.Repeat("x", 2048) + `"}`, nil, 413},
		{"not JSON", "POST", "/api/auth/logout", "a=b", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"method", "DELETE", "/api/setup", "", nil, 405},
		{"headers too large", "GET", "/api/setup", "", map[string]string{"X-Big": strings.Repeat("b", 16<<10)}, 431},
		{"URI too long", "GET", "/api/setup?x=" + strings.Repeat("u", 2100), "", nil, 414},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := c.call(tc.method, tc.path, tc.body, tc.header)
			if res.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", res.StatusCode, body, tc.status)
			}
			if tc.status == 405 && res.Header.Get("Allow") != "GET, POST" {
				t.Errorf("Allow = %q", res.Header.Get("Allow"))
			}
			if tc.status == 431 {
				return // net/http answers before any handler: no headers of ours
			}
			for _, h := range securityHeaders {
				if res.Header.Get(h) == "" {
					t.Errorf("%s missing", h)
				}
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP %q lacks frame-ancestors 'none'", csp)
			}
		})
	}
}

// TestDenyCIDRs: a denied client network gets 403 on the API and the web
// app alike.
func TestDenyCIDRs(t *testing.T) {
	c := startEdge(t, func(cfg *Config) { cfg.Server.DenyCIDRs = []string{"127.0.0.0/8"} })
	for _, path := range []string{"/healthz", "/api/setup", "/"} {
		res, body := c.call("GET", path, "", nil)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `"code":"forbidden"`) {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
	}
}

// TestSlowlorisClosed: a client that sends its headers one byte at a time
// is disconnected once the header timeout passes.
func TestSlowlorisClosed(t *testing.T) {
	c := startEdge(t, func(cfg *Config) { cfg.Server.ReadHeaderTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
			return
		}
		for ctx.Err() == nil {
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	// The deadline only keeps a broken server from hanging the test.
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	_, err = io.ReadAll(bufio.NewReader(conn))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the slow connection open")
	}
}

// TestDefaultLimitsMatchGateway: the defaults of the limits keys are
// gateway.DefaultClasses, which the reverse proxy uses.
func TestDefaultLimitsMatchGateway(t *testing.T) {
	got := Default().Limits.gatewayConfig()
	if !reflect.DeepEqual(got.Classes, gateway.DefaultClasses()) || got.MaxKeys != gateway.DefaultMaxKeys {
		t.Fatalf("limits defaults %+v differ from gateway.DefaultClasses %+v", got.Classes, gateway.DefaultClasses())
	}
}

// TestForwardedProtoTrust: behind the edge, the refresh cookie is Secure
// (and __Host-) when a trusted proxy says the client came over HTTPS, and
// not when an untrusted peer says so.
func TestForwardedProtoTrust(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []string
		secure  bool
	}{
		{"untrusted peer", nil, false},
		{"trusted proxy", []string{"127.0.0.1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startEdge(t, func(cfg *Config) { cfg.Server.TrustedProxies = tc.trusted })
			res, body := c.call("POST", "/api/setup", `{"email":"admin@example.com","password":"correct horse battery",
		"username":"admin","display_name":"Admin","workspace_name":"Acme","setup_token":"`+edgeSetupToken+`"}`,
				map[string]string{"X-Forwarded-Proto": "https"})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("setup: %d %s", res.StatusCode, body)
			}
			cookies := res.Cookies()
			if len(cookies) != 1 {
				t.Fatalf("cookies = %v", cookies)
			}
			got := cookies[0].Secure && strings.HasPrefix(cookies[0].Name, "__Host-")
			if got != tc.secure {
				t.Fatalf("cookie %s secure=%v, want secure and __Host- %v", cookies[0].Name, cookies[0].Secure, tc.secure)
			}
		})
	}
}

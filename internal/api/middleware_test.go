package api

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRequestID: a sane incoming id is kept, anything else replaced; the
// id is on the response and in the error body.
func TestRequestID(t *testing.T) {
	h := newHarness(t, nil, nil)
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for _, tc := range []struct {
		name, in string
		keep     bool
	}{
		{"none", "", false},
		{"uuid", "3f2b8c1e-9d4a-4f6b-8e21-0c5d7a9b1e34", true},
		{"proxy style", "edge-01:req.42_a", true},
		{"too long", strings.Repeat("a", 65), false},
		{"spaces", "a b", false},
		{"markup", "<script>", false},
		{"quote", `a"b`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rq := req{method: "GET", path: "/api/me"}
			if tc.in != "" {
				rq.header = map[string]string{"X-Request-ID": tc.in}
			}
			r := h.do(rq) // 401: an error body carries the id too
			got := r.header.Get("X-Request-ID")
			if tc.keep && got != tc.in {
				t.Errorf("X-Request-ID %q, want %q kept", got, tc.in)
			}
			if !tc.keep && !generated.MatchString(got) {
				t.Errorf("X-Request-ID %q, want a generated id", got)
			}
			if id := r.json(t)["error"].(map[string]any)["request_id"]; id != got {
				t.Errorf("body request_id %v, header %q", id, got)
			}
		})
	}
}

// TestSecurityHeaders: every answer carries the API's security headers.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, path := range []string{"/healthz", "/api/me", "/api/nope", "/api/openapi.json"} {
		r := h.do(req{method: "GET", path: path})
		for k, v := range map[string]string{
			"X-Content-Type-Options":     "nosniff",
			"X-Frame-Options":            "DENY",
			"Referrer-Policy":            "no-referrer",
			"Cross-Origin-Opener-Policy": "same-origin",
		} {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
	}
}

// TestCrossOriginProtection: cross-site browser writes are refused with a
// JSON 403; same-origin and non-browser requests pass; reads always pass.
func TestCrossOriginProtection(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	body := map[string]any{"name": "x"}
	for _, tc := range []struct {
		name, method string
		header       map[string]string
		status       int
	}{
		{"cross-site post", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site post", "POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"foreign origin", "POST", map[string]string{"Origin": "https://evil.example"}, 403},
		{"same-origin post", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, 201},
		{"non-browser post", "POST", nil, 201},
		{"cross-site get", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rq := req{method: tc.method, path: "/api/workspaces", token: admin.token, header: tc.header}
			if tc.method == "POST" {
				rq.body = body
			}
			r := h.do(rq)
			if r.status != tc.status {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tc.status)
			}
			if tc.status == 403 && r.errCode(t) != "forbidden" {
				t.Errorf("code %s, want forbidden", r.errCode(t))
			}
		})
	}
}

// TestAccessLog: one line per request with route, status and request id;
// only allow-listed query values reach the log: never the search text, a
// ticket, a token or a code.
func TestAccessLog(t *testing.T) {
	h := newHarness(t, nil, nil)
	r := h.do(req{method: "GET", path: "/api/invites/abc?q=s3cret-words&ticket=T1cket-secret&token=tok-secret&limit=5&x=1&" +
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNlY3JldA",
		header: map[string]string{"X-Request-ID": "log-req-1"}})
	logs := h.logs.String()
	for _, secret := range []string{"s3cret-words", "T1cket-secret", "tok-secret", "eyJhbGci", "c2lnbmF0dXJl"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("query value %q in the log:\n%s", secret, logs)
		}
	}
	line := accessLine(t, logs, "log-req-1")
	for k, v := range map[string]any{"method": "GET", "route": "/api/invites/:code", "status": float64(r.status), "request_id": "log-req-1"} {
		if line[k] != v {
			t.Errorf("access log %s = %v, want %v", k, line[k], v)
		}
	}
	want := "limit=5&q=[redacted]&ticket=[redacted]&token=[redacted]&x=[redacted]"
	if q, _ := line["query"].(string); q != want {
		t.Errorf("logged query %q, want %q", q, want)
	}
	for _, k := range []string{"duration_ms", "bytes", "ip"} {
		if _, ok := line[k]; !ok {
			t.Errorf("access log has no %s", k)
		}
	}
}

// accessLine finds and decodes the access log line of the request id.
func accessLine(t *testing.T, logs, id string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"msg":"http request"`) && strings.Contains(l, id) {
			var line map[string]any
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
			return line
		}
	}
	t.Fatalf("no access log line for %s:\n%s", id, logs)
	return nil
}

// TestScrubQuery: allow-listed values pass, others are named only, and
// what cannot be a name is left out.
func TestScrubQuery(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"", ""},
		{"after_seq=0&limit=5&thread=7", "after_seq=0&limit=5&thread=7"},
		{"last_event_id=42", "last_event_id=42"},
		{"q=hello+world&chat_id=3&chat_id=4", "chat_id=3&chat_id=4&q=[redacted]"},
		{"code=ABC&password=pw&api_key=k", "api_key=[redacted]&code=[redacted]&password=[redacted]"},
		{"a%20b=1&limit=2", "limit=2"},
		{"limit=%ZZ", "[unparseable]"},
	} {
		if got := scrubQuery(tc.raw); got != tc.want {
			t.Errorf("scrubQuery(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// TestTrustedProxies: X-Forwarded-For counts only from a trusted proxy.
func TestTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []string
		wantIP  string
	}{
		{"trust none", nil, "127.0.0.1"},
		{"trust loopback", []string{"127.0.0.1/32"}, "203.0.113.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(d *Deps) { d.Config.TrustedProxies = tc.proxies }, nil)
			admin, _ := h.setup()
			xff := map[string]string{"X-Forwarded-For": "203.0.113.9"}
			h.do(req{method: "POST", path: "/api/auth/signin", header: xff, body: map[string]any{
				"email": "admin@example.com", "password": "correct horse battery", "refresh_in_body": true,
			}})
			list := h.do(req{method: "GET", path: "/api/auth/sessions", token: admin.token}).json(t)["sessions"].([]any)
			found := false
			for _, s := range list {
				if s.(map[string]any)["ip"] == tc.wantIP && s.(map[string]any)["current"] == false {
					found = true
				}
			}
			if !found {
				t.Errorf("no session with ip %s: %v", tc.wantIP, list)
			}
		})
	}
}

// TestConfigValidate checks the proxy list and limits.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"proxies", Config{TrustedProxies: []string{"10.0.0.0/8", "::1", "192.168.1.1"}}, true},
		{"bad proxy", Config{TrustedProxies: []string{"proxy.local"}}, false},
		{"bad cidr", Config{TrustedProxies: []string{"10.0.0.0/33"}}, false},
		{"negative body", Config{MaxBodyBytes: -1}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
	}
}

// TestHealth: /healthz always 200; /readyz follows Deps.Ready.
func TestHealth(t *testing.T) {
	var notReady atomic.Pointer[[]string]
	notReady.Store(&[]string{})
	h := newHarness(t, func(d *Deps) {
		d.Ready = func(context.Context) []string { return *notReady.Load() }
	}, nil)
	if r := want(t, h.do(req{method: "GET", path: "/healthz"}), 200).json(t); r["status"] != "ok" {
		t.Errorf("healthz %v", r)
	}
	if r := want(t, h.do(req{method: "GET", path: "/readyz"}), 200).json(t); r["status"] != "ok" {
		t.Errorf("readyz %v", r)
	}
	notReady.Store(&[]string{"nats", "search"})
	r := want(t, h.do(req{method: "GET", path: "/readyz"}), 503).json(t)
	if r["status"] != "unavailable" || len(r["not_ready"].([]any)) != 2 || r["not_ready"].([]any)[0] != "nats" {
		t.Errorf("readyz %v", r)
	}
}

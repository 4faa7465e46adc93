package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientIP: forwarding headers count only from a trusted peer, and
// then only the hops our proxies appended.
func TestClientIP(t *testing.T) {
	trusted, err := ParseNetworks([]string{"10.0.0.0/8", "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer string
		header     map[string]string
		want       string
	}{
		{"no header", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"spoofed XFF from an untrusted peer", "203.0.113.5:4000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, "203.0.113.5"},
		{"spoofed Forwarded from an untrusted peer", "203.0.113.5:4000", map[string]string{"Forwarded": "for=198.51.100.1"}, "203.0.113.5"},
		{"XFF from a trusted proxy", "10.1.2.3:4000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, "198.51.100.1"},
		{"client-prepended entry ignored", "10.1.2.3:4000", map[string]string{"X-Forwarded-For": "1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted hops", "192.0.2.10:4000", map[string]string{"X-Forwarded-For": "198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"Forwarded from a trusted proxy", "10.1.2.3:4000", map[string]string{"Forwarded": `for="[2001:db8::7]:443";proto=https`}, "2001:db8::7"},
		{"garbage hop stops the walk", "10.1.2.3:4000", map[string]string{"X-Forwarded-For": "198.51.100.1, nonsense"}, "10.1.2.3"},
		{"trusted peer without a header", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"IPv4-mapped peer", "[::ffff:203.0.113.5]:4000", nil, "203.0.113.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			got, ok := trusted.ClientIP(r)
			if !ok || got.String() != tc.want {
				t.Fatalf("ClientIP = %v (%v), want %s", got, ok, tc.want)
			}
		})
	}
}

// echoIP answers with the RemoteAddr the edge left for the handlers.
var echoIP = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_, _ = w.Write([]byte(r.RemoteAddr))
})

func serveEdge(t *testing.T, cfg EdgeConfig, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	e, err := NewEdge(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	e.Handler(echoIP).ServeHTTP(rec, r)
	return rec
}

// TestEdgeFilters: denied networks get 403, over-long URIs 414, both with
// the API's error body and the security headers; the handler sees the
// resolved client IP and may replace the CSP.
func TestEdgeFilters(t *testing.T) {
	cfg := EdgeConfig{
		TrustedProxies: []string{"10.0.0.1"},
		AllowCIDRs:     []string{"198.51.100.0/24", "10.0.0.0/8"},
		DenyCIDRs:      []string{"198.51.100.66"},
		MaxURIBytes:    64,
	}
	req := func(peer, xff, target string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return r
	}
	for _, tc := range []struct {
		name   string
		r      *http.Request
		status int
		body   string
	}{
		{"allowed", req("198.51.100.7:1", "", "/api/me"), 200, "198.51.100.7:0"},
		{"through the proxy", req("10.0.0.1:1", "198.51.100.8", "/"), 200, "198.51.100.8:0"},
		{"denied", req("198.51.100.66:1", "", "/"), 403, `"code":"forbidden"`},
		{"denied behind the proxy", req("10.0.0.1:1", "198.51.100.66", "/"), 403, `"code":"forbidden"`},
		{"not allowed", req("203.0.113.1:1", "", "/"), 403, `"code":"forbidden"`},
		{"spoofed into the allow list", req("203.0.113.1:1", "198.51.100.7", "/"), 403, `"code":"forbidden"`},
		{"long URI", req("198.51.100.7:1", "", "/api/x?q="+strings.Repeat("a", 64)), 414, `"code":"uri_too_long"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serveEdge(t, cfg, tc.r)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("got %d %s, want %d with %s", rec.Code, rec.Body, tc.status, tc.body)
			}
			h := rec.Header()
			for _, k := range []string{"X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy"} {
				if h.Get(k) == "" {
					t.Errorf("%s missing", k)
				}
			}
			wantCSP := "frame-ancestors 'none'"
			if tc.status == 200 {
				wantCSP = "default-src 'none'"
			}
			if got := h.Get("Content-Security-Policy"); got != wantCSP {
				t.Errorf("CSP = %q, want %q", got, wantCSP)
			}
		})
	}
}

func TestNewEdgeRejectsBadNetworks(t *testing.T) {
	if _, err := NewEdge(EdgeConfig{DenyCIDRs: []string{"10.0.0.0/33"}}); err == nil {
		t.Fatal("a bad CIDR was accepted")
	}
}

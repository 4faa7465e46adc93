package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestOperatorGuard: the admin networks are judged on the client address
// the trusted proxies vouch for, and the token admits from anywhere.
func TestOperatorGuard(t *testing.T) {
	g, err := NewOperatorGuard([]string{"10.0.0.1"}, DefaultAdminCIDRs, "scrape-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer, xff, auth string
		want                  bool
	}{
		{"loopback peer", "127.0.0.1:5000", "", "", true},
		{"IPv6 loopback peer", "[::1]:5000", "", "", true},
		{"other peer", "203.0.113.9:5000", "", "", false},
		{"forged XFF from an untrusted peer", "203.0.113.9:5000", "127.0.0.1", "", false},
		{"trusted proxy for a loopback client", "10.0.0.1:5000", "127.0.0.1", "", true},
		{"trusted proxy for an outside client", "10.0.0.1:5000", "198.51.100.7", "", false},
		{"token from outside", "203.0.113.9:5000", "", "Bearer scrape-token-0123456789", true},
		{"token, scheme in another case", "203.0.113.9:5000", "", "bearer scrape-token-0123456789", true},
		{"wrong token", "203.0.113.9:5000", "", "Bearer scrape-token-0123456780", false},
		{"token prefix", "203.0.113.9:5000", "", "Bearer scrape-token", false},
		{"token as basic", "203.0.113.9:5000", "", "Basic scrape-token-0123456789", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			r.RemoteAddr = tc.peer
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			if got := g.Admit(r); got != tc.want {
				t.Fatalf("Admit = %v, want %v", got, tc.want)
			}
			rec := httptest.NewRecorder()
			g.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })).ServeHTTP(rec, r)
			want := http.StatusNotFound
			if tc.want {
				want = http.StatusTeapot
			}
			if rec.Code != want {
				t.Fatalf("Handler answered %d, want %d", rec.Code, want)
			}
		})
	}
}

// TestOperatorGuardNoToken: without a token no Authorization header admits.
func TestOperatorGuardNoToken(t *testing.T) {
	g, err := NewOperatorGuard(nil, []string{"192.0.2.0/24"}, "")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("Authorization", "Bearer ")
	if g.Admit(r) {
		t.Fatal("loopback admitted although only 192.0.2.0/24 is allowed and there is no token")
	}
	if _, err := NewOperatorGuard(nil, []string{"not-a-network"}, ""); err == nil {
		t.Fatal("a bad CIDR was accepted")
	}
}

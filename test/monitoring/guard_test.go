package monitoring

import (
	"net/http"
	"strings"
	"testing"
)

// TestOperatorEndpointsGuarded: /metrics and /debug/pprof/ answer 404 to
// a client outside admin.allow_cidrs, judged by the address a trusted
// proxy reports, and open with the metrics token; pprof stays 404 while
// debug.pprof is off.
func TestOperatorEndpointsGuarded(t *testing.T) {
	t.Parallel()
	bearer := map[string]string{"Authorization": "Bearer " + metricsToken}
	outside := map[string]string{"X-Forwarded-For": "203.0.113.9"}
	outsideWithToken := map[string]string{"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer " + metricsToken}
	wrongToken := map[string]string{"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer " + metricsToken + "x"}

	t.Run("pprof off, loopback behind a trusted proxy", func(t *testing.T) {
		t.Parallel()
		// The test is the proxy: 127.0.0.1 is trusted, so the client is
		// whatever X-Forwarded-For says.
		n := startNode(t, "", "FECHATTER_SERVER__TRUSTED_PROXIES=127.0.0.1")
		for _, tc := range []struct {
			name, path string
			header     map[string]string
			want       int
		}{
			{"metrics from loopback", "/metrics", nil, http.StatusOK},
			{"metrics from outside", "/metrics", outside, http.StatusNotFound},
			{"metrics from outside, wrong token", "/metrics", wrongToken, http.StatusNotFound},
			{"metrics from outside with the token", "/metrics", outsideWithToken, http.StatusOK},
			{"pprof from loopback, pprof off", "/debug/pprof/", nil, http.StatusNotFound},
			{"pprof with the token, pprof off", "/debug/pprof/heap", bearer, http.StatusNotFound},
		} {
			status, body := get(t, n.URL()+tc.path, tc.header)
			if status != tc.want {
				t.Errorf("%s: GET %s = %d, want %d: %.200s", tc.name, tc.path, status, tc.want, body)
			}
			if status == http.StatusOK && !strings.Contains(body, "fechatter_build_info{") {
				t.Errorf("%s: /metrics lacks fechatter_build_info: %.300s", tc.name, body)
			}
		}
	})

	t.Run("pprof on, loopback not admitted", func(t *testing.T) {
		t.Parallel()
		n := startNode(t, "", "FECHATTER_ADMIN__ALLOW_CIDRS=192.0.2.0/24", "FECHATTER_DEBUG__PPROF=true")
		for _, tc := range []struct {
			name, path string
			header     map[string]string
			want       int
			body       string
		}{
			{"metrics without the token", "/metrics", nil, http.StatusNotFound, `"not_found"`},
			{"pprof without the token", "/debug/pprof/", nil, http.StatusNotFound, `"not_found"`},
			{"a profile without the token", "/debug/pprof/goroutine?debug=1", nil, http.StatusNotFound, `"not_found"`},
			{"metrics with the token", "/metrics", bearer, http.StatusOK, "fechatter_http_requests_total"},
			{"pprof with the token", "/debug/pprof/", bearer, http.StatusOK, "goroutine"},
			{"a profile with the token", "/debug/pprof/goroutine?debug=1", bearer, http.StatusOK, "goroutine profile:"},
		} {
			status, body := get(t, n.URL()+tc.path, tc.header)
			if status != tc.want || !strings.Contains(body, tc.body) {
				t.Errorf("%s: GET %s = %d %.200q, want %d with %q", tc.name, tc.path, status, body, tc.want, tc.body)
			}
		}
	})
}

package appliance

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWebAppRouting: the API gets /api/..., /healthz, /readyz, /metrics
// and /debug/pprof/...; every other path is the web app's and answers like
// any client-side route.
func TestWebAppRouting(t *testing.T) {
	const apiMark = "from-the-api"
	h := withWebApp(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(apiMark))
	}))
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	for _, path := range []string{"/api", "/api/nope", "/api/openapi.json", "/healthz", "/readyz", "/metrics", "/debug/pprof/", "/debug/pprof/heap"} {
		if rec := get(path); rec.Code != http.StatusTeapot {
			t.Errorf("GET %s = %d, want the API's answer", path, rec.Code)
		}
	}
	app := get("/some/client/route")
	if app.Code != http.StatusOK || !strings.Contains(app.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /some/client/route = %d %q, want the web app", app.Code, app.Header().Get("Content-Type"))
	}
	for _, path := range []string{"/metrics/", "/metricsx", "/debug/pprof", "/debug/other"} {
		rec := get(path)
		if rec.Code != app.Code || rec.Body.String() != app.Body.String() {
			t.Errorf("GET %s = %d %.40q, want what any unknown non-API path gets (%d)", path, rec.Code, rec.Body.String(), app.Code)
		}
	}
}

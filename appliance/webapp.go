package appliance

import (
	"net/http"
	"strings"

	"github.com/fechatter/fechatter/internal/api"
	"github.com/fechatter/fechatter/webui"
)

// withWebApp serves the embedded web app on every path the API does not
// own: /api/..., /healthz, /readyz, /metrics and /debug/pprof/... go to
// the API, the rest to the SPA
// (files with their cache headers, index.html for client-side routes).
func withWebApp(api http.Handler) http.Handler {
	ui := webui.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apiPath(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	})
}

func apiPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" || api.IsOperatorPath(p) || api.IsHookPath(p)
}

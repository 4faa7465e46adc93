package api

import (
	"net/http"
	"net/http/pprof"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// Operator endpoints, outside /api: what monitoring tools and operators
// fetch. They exist only for an admitted caller (OperatorGate); everyone
// else gets the 404 of a path that does not exist.
const (
	metricsPath = "/metrics"
	pprofPath   = "/debug/pprof/"
)

// OperatorGate admits callers to the operator endpoints (internal/gateway's
// OperatorGuard: the admin networks, or the metrics token).
type OperatorGate interface {
	Admit(r *http.Request) bool
}

// IsOperatorPath reports whether p is served by the operator endpoints, so
// that the appliance routes it to the API rather than the web app.
func IsOperatorPath(p string) bool {
	return p == metricsPath || p == pprofPath || len(p) > len(pprofPath) && p[:len(pprofPath)] == pprofPath
}

func (s *server) operatorRoutes() []route {
	metrics := promhttp.HandlerFor(telemetry.Gatherer, promhttp.HandlerOpts{
		ErrorLog: promLogger{s}, ErrorHandling: promhttp.ContinueOnError,
	})
	rs := []route{
		{method: http.MethodGet, path: metricsPath, public: true, operator: true, handle: serveHTTP(metrics), doc: doc{
			tag: "operations", summary: "Prometheus metrics (admin networks or the metrics token; 404 otherwise)",
			status: http.StatusOK, text: true,
		}},
	}
	if !s.cfg.Pprof {
		return rs
	}
	return append(rs,
		route{method: http.MethodGet, path: pprofPath, public: true, operator: true, handle: serveHTTP(http.HandlerFunc(pprof.Index)), doc: doc{
			tag: "operations", summary: "Go profiles index, an HTML page (debug.pprof; admin networks or the metrics token)", status: http.StatusOK,
		}},
		route{method: http.MethodGet, path: pprofPath + ":profile", public: true, operator: true, handle: s.pprofProfile, doc: doc{
			tag: "operations", summary: "One Go profile: heap, goroutine, profile (CPU, ?seconds=N), trace, ... (debug.pprof; pprof's protobuf, or text with ?debug=1)",
			status: http.StatusOK,
		}},
	)
}

// pprofProfile serves /debug/pprof/{profile} as net/http/pprof does.
func (s *server) pprofProfile(c *gin.Context) error {
	var h http.Handler
	switch name := c.Param("profile"); name {
	case "cmdline":
		h = http.HandlerFunc(pprof.Cmdline)
	case "profile":
		h = http.HandlerFunc(pprof.Profile)
	case "symbol":
		h = http.HandlerFunc(pprof.Symbol)
	case "trace":
		h = http.HandlerFunc(pprof.Trace)
	default:
		h = pprof.Handler(name)
	}
	h.ServeHTTP(c.Writer, c.Request)
	return nil
}

// requireOperator answers 404, as for a path that does not exist, unless
// the gate admits the caller.
func (s *server) requireOperator(c *gin.Context) {
	if s.operator == nil || !s.operator.Admit(c.Request) {
		s.renderError(c, errNoRoute)
	}
}

// serveHTTP adapts a plain handler to a route.
func serveHTTP(h http.Handler) handlerFunc {
	return func(c *gin.Context) error {
		h.ServeHTTP(c.Writer, c.Request)
		return nil
	}
}

// promLogger sends the exposition's errors (a collector that failed) to
// the log.
type promLogger struct{ s *server }

func (l promLogger) Println(v ...any) { l.s.log.Warn("metrics exposition", "error", v) }

package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Operational routes, outside /api so probes need no token.
const (
	healthPath = "/healthz"
	readyPath  = "/readyz"
)

// readiness is the body of /healthz and /readyz.
type readiness struct {
	Status   string   `json:"status"`
	NotReady []string `json:"not_ready,omitempty"`
}

func (s *server) healthRoutes() []route {
	return []route{
		{method: http.MethodGet, path: healthPath, public: true, handle: s.healthz, doc: doc{
			tag: "operations", summary: "Liveness: the process answers", status: http.StatusOK, result: "Health",
		}},
		{method: http.MethodGet, path: readyPath, public: true, handle: s.readyz, doc: doc{
			tag: "operations", summary: "Readiness: 503 names the components that are not ready",
			status: http.StatusOK, result: "Health",
			alt: http.StatusServiceUnavailable, altWhy: "Some components are not ready; not_ready names them.",
		}},
	}
}

// healthz answers GET /healthz: always {"status": "ok"}.
func (s *server) healthz(c *gin.Context) error {
	writeJSON(c, http.StatusOK, readiness{Status: "ok"})
	return nil
}

// readyz answers GET /readyz: 200 when every component is ready, else 503
// with their names.
func (s *server) readyz(c *gin.Context) error {
	var notReady []string
	if s.ready != nil {
		notReady = s.ready(c.Request.Context())
	}
	if len(notReady) > 0 {
		writeJSON(c, http.StatusServiceUnavailable, readiness{Status: "unavailable", NotReady: notReady})
		return nil
	}
	writeJSON(c, http.StatusOK, readiness{Status: "ok"})
	return nil
}

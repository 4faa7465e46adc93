package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// StatusService computes the node's status in-process (the telemetry
// sampler); the appliance's sampler satisfies it.
type StatusService interface {
	Status(ctx context.Context) (telemetry.Status, error)
}

func (s *server) statusRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/admin/status", instanceAdmin: true, handle: s.status, doc: doc{
			tag: "operations", summary: "Node status for the instance administrator: components, rates and latencies over 1/5/15 minutes, lags, sizes, built-in alerts and recent samples",
			status: http.StatusOK, result: "Status", errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
		}},
	}
}

// status answers GET /api/admin/status.
func (s *server) status(c *gin.Context) error {
	if s.statusSvc == nil {
		return apperr.Unavailable("the status sampler is not running")
	}
	st, err := s.statusSvc.Status(c.Request.Context())
	if err != nil {
		return apperr.Unavailable("the status sampler is not running")
	}
	writeJSON(c, http.StatusOK, st)
	return nil
}

package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// logLevelPath reads and sets the process log level.
const logLevelPath = "/api/admin/log-level"

// logLevelBody is the body of PUT /api/admin/log-level and the answer of both
// methods.
type logLevelBody struct {
	Level string `json:"level"`
}

func (s *server) logLevelRoutes() []route {
	return []route{
		{method: http.MethodGet, path: logLevelPath, instanceAdmin: true, handle: s.getLogLevel, doc: doc{
			tag: "admin", summary: "The process log level", status: http.StatusOK, result: "LogLevel",
			errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
		}},
		{method: http.MethodPut, path: logLevelPath, instanceAdmin: true, handle: s.putLogLevel, doc: doc{
			tag: "admin", summary: "Change the process log level at once, until the next restart (instance admins)",
			body: "LogLevel", status: http.StatusOK, result: "LogLevel",
			errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
		}},
	}
}

// getLogLevel answers GET /api/admin/log-level.
func (s *server) getLogLevel(c *gin.Context) error {
	if s.logLevel == nil {
		return apperr.Unavailable("the log level cannot be changed in this process")
	}
	writeJSON(c, http.StatusOK, logLevelBody{Level: telemetry.LevelName(s.logLevel.Level())})
	return nil
}

// putLogLevel answers PUT /api/admin/log-level: debug, info, warn or error
// from now on, for every component (they share the process logger). The
// change is logged at warn, so it shows at any level.
func (s *server) putLogLevel(c *gin.Context) error {
	if s.logLevel == nil {
		return apperr.Unavailable("the log level cannot be changed in this process")
	}
	var in logLevelBody
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if !telemetry.ValidLevel(in.Level) {
		return apperr.Field("level", "must be one of debug, info, warn, error")
	}
	from := telemetry.LevelName(s.logLevel.Level())
	s.logLevel.Set(telemetry.ParseLevel(in.Level))
	to := telemetry.LevelName(s.logLevel.Level())
	s.log.WarnContext(c.Request.Context(), "log level changed", "from", from, "to", to)
	if err := s.chat.Audit(auditContext(c), userID(c), chat.AuditLogLevel, map[string]any{"from": from, "to": to}); err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, logLevelBody{Level: to})
	return nil
}

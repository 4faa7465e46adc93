package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// unmatchedRoute labels requests outside every route, so that scans of
// random paths cannot grow the label set.
const unmatchedRoute = "unmatched"

// statusClasses are the code labels by the status's first digit.
var statusClasses = [...]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// statusClass is the label of an HTTP status: "2xx", "4xx", ...
func statusClass(status int) string {
	if c := status / 100; c >= 1 && c <= 5 {
		return statusClasses[c]
	}
	return statusClasses[0]
}

// observe counts every request by route template, method and status
// class, and times it, except the event stream, whose request lasts as
// long as the connection.
func (s *server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = unmatchedRoute
	}
	method := c.Request.Method
	if !knownMethods[method] {
		method = "other"
	}
	telemetry.HTTPRequests.WithLabelValues(route, method, statusClass(c.Writer.Status())).Inc()
	if route != eventsPath {
		telemetry.HTTPDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	}
}

// knownMethods are the methods kept as labels; any other is "other" (a
// client may send any token as a method).
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true,
}

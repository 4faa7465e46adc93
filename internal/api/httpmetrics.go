package api

import (
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

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
	m := httpSeries(route, method, c.Writer.Status())
	m.requests.Inc()
	if route != eventsPath {
		m.duration.Observe(time.Since(start).Seconds())
	}
}

// seriesKey names one request counter and duration histogram.
type seriesKey struct {
	route, method string
	class         int
}

// series is the resolved children of HTTPRequests and HTTPDuration.
type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// httpSeriesCache keeps resolved children: the label values are bounded
// (route templates, known methods, six classes), and a resolved child
// saves hashing the label values on every request.
var httpSeriesCache sync.Map // seriesKey -> *series

func httpSeries(route, method string, status int) *series {
	class := status / 100
	if class < 1 || class > 5 {
		class = 0
	}
	k := seriesKey{route, method, class}
	if v, ok := httpSeriesCache.Load(k); ok {
		return v.(*series)
	}
	m := &series{
		requests: telemetry.HTTPRequests.WithLabelValues(route, method, statusClasses[class]),
		duration: telemetry.HTTPDuration.WithLabelValues(route, method),
	}
	v, _ := httpSeriesCache.LoadOrStore(k, m)
	return v.(*series)
}

// knownMethods are the methods kept as labels; any other is "other" (a
// client may send any token as a method).
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true,
}

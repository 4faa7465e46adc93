package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// traceRequest gives each request a server span named by its route
// template ("POST /api/chats/:chat/messages"), a child of the incoming W3C
// traceparent when there is one, and puts it in the request's context so
// that the use cases, storage and the outbox continue the trace and every
// log line carries trace_id and span_id. Probes and event streams (a span
// as long as the connection) get none. With tracing off it does nothing.
func (s *server) traceRequest(c *gin.Context) {
	route := c.FullPath()
	if !telemetry.TracingEnabled() || route == healthPath || route == readyPath || route == eventsPath {
		return
	}
	name := c.Request.Method
	if route != "" {
		name += " " + route
	}
	ctx, span := telemetry.StartServerSpan(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header), name,
		attribute.String("http.request.method", c.Request.Method),
		attribute.String("http.route", route),
		attribute.String("request_id", telemetry.RequestID(c.Request.Context())))
	defer span.End()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
	status := c.Writer.Status()
	span.SetAttributes(attribute.Int("http.response.status_code", status))
	if status >= http.StatusInternalServerError {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// Errors the router itself produces.
var (
	errNoRoute  = apperr.New(apperr.KindNotFound, "no such route")
	errNoMethod = errors.New("method not allowed")
	errTooLarge = apperr.New(apperr.KindTooLarge, "request body too large")
)

// handlerFunc is a handler that returns its error for renderError.
type handlerFunc func(c *gin.Context) error

// wrap adapts a handlerFunc to gin, rendering its error if any.
func (s *server) wrap(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.renderError(c, err)
		}
	}
}

// errorBody is the JSON shape of every error answer (API.md "Conventions").
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	RequestID string            `json:"request_id"`
	Fields    map[string]string `json:"fields,omitempty"`
}

// problem is an error ready to render.
type problem struct {
	status     int
	detail     errorDetail
	retryAfter int // seconds, 0 for none
}

// renderError writes err as an error answer and logs it. It is the only
// place where an error becomes a response.
func (s *server) renderError(c *gin.Context, err error) {
	p := s.classify(c, err)
	p.detail.RequestID = telemetry.RequestID(c.Request.Context())
	s.logError(c, p.status, err)
	c.Abort()
	if c.Writer.Written() {
		return // too late to change the answer; the log line has the error
	}
	if p.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(p.retryAfter))
	}
	writeJSON(c, p.status, errorBody{Error: p.detail})
}

// classify maps err to a status, a stable code and a safe message.
func (s *server) classify(c *gin.Context, err error) problem {
	var ae *apperr.Error
	switch {
	case errors.Is(err, errNoMethod):
		return generic(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
	case bodyLimitHit(c) || isMaxBytes(err):
		// However the reader's error was wrapped on the way up, a body over
		// its limit is the caller's doing: 413, not 500 or 400.
		return fromApp(errTooLarge)
	case errors.As(err, &ae):
		if ae.Kind == apperr.KindInternal {
			return generic(http.StatusInternalServerError, "internal", "internal server error")
		}
		return fromApp(ae)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return generic(http.StatusServiceUnavailable, apperr.KindUnavailable.Code(), "request cancelled or timed out")
	}
	return generic(http.StatusInternalServerError, "internal", "internal server error")
}

// fromApp renders an *apperr.Error with its own status, code and message.
func fromApp(e *apperr.Error) problem {
	p := problem{status: e.Kind.Status(), detail: errorDetail{Code: e.Kind.Code(), Message: e.Message, Fields: e.Fields}}
	if e.Kind == apperr.KindRateLimited {
		p.retryAfter = retryAfterSeconds(e)
	}
	return p
}

func generic(status int, code, msg string) problem {
	return problem{status: status, detail: errorDetail{Code: code, Message: msg}}
}

// retryAfterSeconds rounds up to whole seconds, at least one (RFC 9110 §10.2.3).
func retryAfterSeconds(e *apperr.Error) int {
	secs := int(math.Ceil(e.RetryAfter.Seconds()))
	return max(secs, 1)
}

// isMaxBytes reports whether err comes from a body over its limit.
func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// logError records err: 5xx with the raw error at error level, the rest at
// debug (the access log already has their status).
func (s *server) logError(c *gin.Context, status int, err error) {
	ctx := c.Request.Context()
	attrs := []slog.Attr{slog.Int("status", status), slog.String("route", c.FullPath()), slog.String("error", err.Error())}
	level := slog.LevelDebug
	if status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	s.log.LogAttrs(ctx, level, "api error", attrs...)
}

// writeJSON writes v as the JSON body of a response with status.
func writeJSON(c *gin.Context, status int, v any) {
	data, err := json.Marshal(v)
	if err == nil {
		data = emailRedactor(c, data)
	}
	if err != nil {
		// Our own response types always marshal; this is a programming error.
		status = http.StatusInternalServerError
		data = []byte(`{"error":{"code":"internal","message":"internal server error","request_id":` +
			strconv.Quote(telemetry.RequestID(c.Request.Context())) + `}}`)
	}
	c.Data(status, "application/json; charset=utf-8", append(data, '\n'))
}

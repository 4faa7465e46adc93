package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Attribute names of the ids the ContextHandler adds.
const (
	UserIDKey  = "user_id"
	EventIDKey = "event_id"
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// ContextHandler is a slog.Handler that adds what a record's context
// carries: request_id and user_id (WithRequestID, SetUserID), event_id
// (WithEventID), and trace_id and span_id of the current span. Attributes
// added after WithGroup land inside that group, as slog requires.
type ContextHandler struct {
	next slog.Handler
	// level is the run-time level of a NewLogger logger, nil otherwise.
	level *slog.LevelVar
}

// NewContextHandler wraps next so that records logged with a context get
// its ids.
func NewContextHandler(next slog.Handler) *ContextHandler {
	return &ContextHandler{next: next}
}

// Enabled reports whether next handles records at level.
func (h *ContextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the ids ctx carries and passes r on.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	var attrs [5]slog.Attr
	n := 0
	if req := requestOf(ctx); req != nil {
		attrs[n] = slog.String(RequestIDKey, req.id)
		n++
		if uid := req.userID.Load(); uid != 0 {
			attrs[n] = slog.Int64(UserIDKey, uid)
			n++
		}
	}
	if id := EventID(ctx); id != "" {
		attrs[n] = slog.String(EventIDKey, id)
		n++
	}
	if ctx != nil {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			attrs[n] = slog.String(TraceIDKey, sc.TraceID().String())
			attrs[n+1] = slog.String(SpanIDKey, sc.SpanID().String())
			n += 2
		}
	}
	if n > 0 {
		r = r.Clone()
		r.AddAttrs(attrs[:n]...)
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a ContextHandler over next with attrs added.
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ContextHandler{next: h.next.WithAttrs(attrs), level: h.level}
}

// WithGroup returns a ContextHandler over next with the group opened.
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{next: h.next.WithGroup(name), level: h.level}
}

// DefaultLogger is slog.Default() with the ids of contexts added: the
// logger of a component that was given none.
func DefaultLogger() *slog.Logger {
	return slog.New(NewContextHandler(slog.Default().Handler()))
}

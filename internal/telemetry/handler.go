package telemetry

import (
	"context"
	"log/slog"
)

// ContextHandler is a slog.Handler that adds the request id carried by a
// record's context (see WithRequestID) to the record before passing it on.
// Attributes added after WithGroup land inside that group, as slog requires.
type ContextHandler struct {
	next slog.Handler
}

// NewContextHandler wraps next so that records logged with a context get
// its request id.
func NewContextHandler(next slog.Handler) *ContextHandler {
	return &ContextHandler{next: next}
}

// Enabled reports whether next handles records at level.
func (h *ContextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds request_id from ctx, when there is one, and passes r on.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(RequestIDKey, id))
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a ContextHandler over next with attrs added.
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ContextHandler{next: h.next.WithAttrs(attrs)}
}

// WithGroup returns a ContextHandler over next with the group opened.
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{next: h.next.WithGroup(name)}
}

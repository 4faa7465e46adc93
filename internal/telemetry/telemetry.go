// Package telemetry sets up structured logging and carries request ids
// through contexts so that every log line of a request can be found by the
// id its response carried. It imports nothing of ours.
package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/mattn/go-isatty"
)

// Log formats accepted by NewLogger.
const (
	FormatJSON = "json"
	FormatText = "text"
	// FormatAuto is text when the writer is a terminal and JSON otherwise.
	FormatAuto = "auto"
)

// RequestIDKey is the attribute name request ids are logged under.
const RequestIDKey = "request_id"

// NewLogger returns a logger writing to w in format (json, text or auto) at
// level (debug, info, warn or error; unknown values mean info). Its handler
// adds the request, user, event and trace ids carried by the context of
// each record. Its level can be changed while it runs: see LevelOf.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	lv := new(slog.LevelVar)
	lv.Set(ParseLevel(level))
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	if resolveFormat(w, format) == FormatText {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	ch := NewContextHandler(h)
	ch.level = lv
	return slog.New(ch)
}

// LevelOf returns the run-time level of a logger made by NewLogger (or
// derived from one with With), nil for any other logger.
func LevelOf(log *slog.Logger) *slog.LevelVar {
	if log == nil {
		return nil
	}
	h, ok := log.Handler().(*ContextHandler)
	if !ok {
		return nil
	}
	return h.level
}

// ValidLevel reports whether level is one ParseLevel knows by name.
func ValidLevel(level string) bool {
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "debug", "info", "warn", "warning", "error":
		return true
	}
	return false
}

// LevelName is the lowercase name of l (debug, info, warn or error).
func LevelName(l slog.Level) string {
	switch {
	case l <= slog.LevelDebug:
		return "debug"
	case l <= slog.LevelInfo:
		return "info"
	case l <= slog.LevelWarn:
		return "warn"
	}
	return "error"
}

// ParseLevel maps debug, info, warn and error (any case) to a slog level;
// anything else is info.
func ParseLevel(level string) slog.Level {
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// resolveFormat turns auto (or anything unknown) into json or text.
func resolveFormat(w io.Writer, format string) string {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case FormatText:
		return FormatText
	case FormatJSON:
		return FormatJSON
	case FormatAuto, "":
		if isTerminal(w) {
			return FormatText
		}
	}
	return FormatJSON
}

// isTerminal reports whether w is a file descriptor attached to a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

type requestKey struct{}

// request is what a request's context carries for its log lines: the
// request id, and the caller's user id once authentication found it (set
// in place, so that authenticating does not copy the request).
type request struct {
	id     string
	userID atomic.Int64
}

// WithRequestID returns a copy of ctx that carries the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestKey{}, &request{id: id})
}

func requestOf(ctx context.Context) *request {
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// RequestID returns the request id carried by ctx, or "" when there is none.
func RequestID(ctx context.Context) string {
	if r := requestOf(ctx); r != nil {
		return r.id
	}
	return ""
}

// SetUserID records the authenticated caller of the request ctx belongs
// to (made by WithRequestID); its later log lines carry user_id.
func SetUserID(ctx context.Context, userID int64) {
	if r := requestOf(ctx); r != nil {
		r.userID.Store(userID)
	}
}

// UserID is the caller recorded by SetUserID, or 0.
func UserID(ctx context.Context) int64 {
	if r := requestOf(ctx); r != nil {
		return r.userID.Load()
	}
	return 0
}

type eventIDKey struct{}

// WithEventID returns a copy of ctx that carries the id of the event being
// handled by background work (the relay, the consumers): its log lines
// carry event_id.
func WithEventID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, eventIDKey{}, id)
}

// EventID returns the event id carried by ctx, or "".
func EventID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(eventIDKey{}).(string)
	return id
}

// NewRequestID returns a random id of 16 lowercase hex characters: short
// enough to quote in a support request, random enough not to repeat.
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b[:])
}

// maxRequestIDLen bounds an incoming request id so it cannot bloat logs.
const maxRequestIDLen = 64

// SaneRequestID accepts an incoming X-Request-ID of 1 to 64 characters of
// [A-Za-z0-9._:-]: enough for UUIDs and proxy ids, nothing that could
// forge a log line. The API and the gateway share it, so both log the
// same id for one request.
func SaneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '_' || r == ':' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

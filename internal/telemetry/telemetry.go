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
// adds the request id carried by the context of each record.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: ParseLevel(level)}
	var h slog.Handler
	if resolveFormat(w, format) == FormatText {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(NewContextHandler(h))
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

type requestIDKey struct{}

// WithRequestID returns a copy of ctx that carries the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "" when there is none.
func RequestID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(requestIDKey{}).(string)
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

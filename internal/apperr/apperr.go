// Package apperr defines the error kinds that cross layers, each with a
// stable machine code and an HTTP status, and safe per-field messages for
// validation errors. It imports nothing of ours.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Kind classifies an error for callers and for the HTTP layer.
type Kind int

// Error kinds. Their codes are part of the API contract.
const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthorized
	KindForbidden
	KindNotFound
	KindConflict
	KindTooLarge
	KindUnsupportedMedia
	KindRateLimited
	KindUnavailable
)

// Code is the stable snake_case code of k.
func (k Kind) Code() string {
	switch k {
	case KindInvalid:
		return "invalid_request"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindTooLarge:
		return "payload_too_large"
	case KindUnsupportedMedia:
		return "unsupported_media_type"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// Status is the HTTP status of k.
func (k Kind) Status() int {
	switch k {
	case KindInvalid:
		return http.StatusBadRequest
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case KindRateLimited:
		return http.StatusTooManyRequests
	case KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is an error whose Message is safe to show to the caller.
type Error struct {
	Kind    Kind
	Message string
	// Fields maps a request field to why it was rejected (validation only).
	Fields map[string]string
	// RetryAfter is set for KindRateLimited.
	RetryAfter time.Duration
	// Err is the underlying cause; it is logged, never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a safe message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error; fields may be nil.
func Invalid(message string, fields map[string]string) *Error {
	return &Error{Kind: KindInvalid, Message: message, Fields: fields}
}

// Field returns a validation error for one field.
func Field(field, why string) *Error {
	return Invalid("invalid "+field, map[string]string{field: why})
}

// NotFound returns a not-found error naming what was looked for.
func NotFound(what string) *Error { return New(KindNotFound, "%s not found", what) }

// Forbidden returns a permission error with a safe reason.
func Forbidden(reason string) *Error { return &Error{Kind: KindForbidden, Message: reason} }

// Conflict returns a conflict error with a safe reason.
func Conflict(reason string) *Error { return &Error{Kind: KindConflict, Message: reason} }

// Unauthorized returns an authentication error with a safe reason.
func Unauthorized(reason string) *Error { return &Error{Kind: KindUnauthorized, Message: reason} }

// RateLimited returns a rate-limit error that tells the caller when to retry.
func RateLimited(after time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Message: "too many requests, try again later", RetryAfter: after}
}

// Unavailable returns a 503 error with a safe reason.
func Unavailable(reason string) *Error { return &Error{Kind: KindUnavailable, Message: reason} }

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err carries kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

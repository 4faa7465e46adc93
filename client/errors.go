package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// APIError is an error answer of the server: its HTTP status and the fields
// of the error body ({"error": {"code", "message", "request_id", "fields"}}).
type APIError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
	// Fields maps a request field to why it was rejected (validation only).
	Fields map[string]string
	// RetryAfter is the Retry-After header of a 429 or 503, if any.
	RetryAfter time.Duration
}

// Error describes the answer in one line.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fechatter api: %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// errorBody is the JSON shape of an error answer.
type errorBody struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		RequestID string            `json:"request_id"`
		Fields    map[string]string `json:"fields"`
	} `json:"error"`
}

// decodeError turns a response with a status of 400 or more into an
// *APIError. A body that is not the API's error shape (a proxy's page, say)
// becomes the message, shortened.
func decodeError(resp *http.Response) *APIError {
	e := &APIError{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body errorBody
	if err := json.Unmarshal(data, &body); err == nil && body.Error.Code != "" {
		e.Code, e.Message, e.Fields = body.Error.Code, body.Error.Message, body.Error.Fields
		if body.Error.RequestID != "" {
			e.RequestID = body.Error.RequestID
		}
		return e
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e.Message = msg
	return e
}

// AsAPIError returns the *APIError in err's chain, if there is one.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// StatusOf returns the HTTP status of the *APIError in err's chain, 0 when
// err is nil or did not come from the server (a network error, say).
func StatusOf(err error) int {
	if e, ok := AsAPIError(err); ok {
		return e.Status
	}
	return 0
}

// CodeOf returns the error code of the *APIError in err's chain, or "".
func CodeOf(err error) string {
	if e, ok := AsAPIError(err); ok {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether the server answered 404.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// IsForbidden reports whether the server answered 403.
func IsForbidden(err error) bool { return StatusOf(err) == http.StatusForbidden }

// IsUnauthorized reports whether the server answered 401.
func IsUnauthorized(err error) bool { return StatusOf(err) == http.StatusUnauthorized }

// IsConflict reports whether the server answered 409.
func IsConflict(err error) bool { return StatusOf(err) == http.StatusConflict }

// IsInvalid reports whether the server answered 400.
func IsInvalid(err error) bool { return StatusOf(err) == http.StatusBadRequest }

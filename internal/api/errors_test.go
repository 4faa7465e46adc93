package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
)

// secretDetail stands for an internal detail that must never reach a client.
const secretDetail = "pq: relation users_secret_idx violated at 10.0.0.7"

// errorCases are errors a handler can return and how each must render.
var errorCases = []struct {
	name       string
	err        error
	status     int
	code       string
	message    string
	fields     map[string]string
	retryAfter string
}{
	{"invalid with fields", apperr.Field("name", "must not be empty"), 400, "invalid_request", "invalid name", map[string]string{"name": "must not be empty"}, ""},
	{"unauthorized", apperr.Unauthorized("invalid email or password"), 401, "unauthorized", "invalid email or password", nil, ""},
	{"forbidden", apperr.Forbidden("admins only"), 403, "forbidden", "admins only", nil, ""},
	{"not found", apperr.NotFound("chat"), 404, "not_found", "chat not found", nil, ""},
	{"conflict", apperr.Conflict("name taken"), 409, "conflict", "name taken", nil, ""},
	{"too large", apperr.New(apperr.KindTooLarge, "file too big"), 413, "payload_too_large", "file too big", nil, ""},
	{"unsupported media", apperr.New(apperr.KindUnsupportedMedia, "json only"), 415, "unsupported_media_type", "json only", nil, ""},
	{"rate limited rounds up", apperr.RateLimited(1500 * time.Millisecond), 429, "rate_limited", "too many requests, try again later", nil, "2"},
	{"rate limited at least 1s", apperr.RateLimited(10 * time.Millisecond), 429, "rate_limited", "too many requests, try again later", nil, "1"},
	{"unavailable", apperr.Unavailable("search is starting"), 503, "unavailable", "search is starting", nil, ""},
	{"wrapped apperr", fmt.Errorf("load chat: %w", apperr.NotFound("chat")), 404, "not_found", "chat not found", nil, ""},
	{"internal apperr hides message", &apperr.Error{Kind: apperr.KindInternal, Message: secretDetail}, 500, "internal", "internal server error", nil, ""},
	{"plain error", errors.New(secretDetail), 500, "internal", "internal server error", nil, ""},
	{"body over limit", &http.MaxBytesError{Limit: 10}, 413, "payload_too_large", "request body too large", nil, ""},
}

// TestErrorRendering drives every kind of handler error through a real
// server and checks the status, the body shape and what reaches the log.
func TestErrorRendering(t *testing.T) {
	h := newHarness(t, nil, func(s *server) {
		for i, tc := range errorCases {
			s.engine.GET(fmt.Sprintf("/test/err/%d", i), s.wrap(func(*gin.Context) error { return tc.err }))
		}
	})
	for i, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{method: "GET", path: fmt.Sprintf("/test/err/%d", i)})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			e := r.json(t)["error"].(map[string]any)
			if e["code"] != tc.code || e["message"] != tc.message {
				t.Errorf("code %v message %v, want %s %s", e["code"], e["message"], tc.code, tc.message)
			}
			checkFields(t, e, tc.fields)
			if got := r.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			if strings.Contains(string(r.body), "10.0.0.7") {
				t.Errorf("internal detail leaked: %s", r.body)
			}
			if tc.status == 500 {
				wantLogged(t, h, r.header.Get("X-Request-ID"), "10.0.0.7")
			}
		})
	}
}

// checkFields compares error.fields with want (nil: must be absent).
func checkFields(t *testing.T, e map[string]any, want map[string]string) {
	t.Helper()
	got, has := e["fields"].(map[string]any)
	if want == nil {
		if has {
			t.Errorf("fields %v, want none", got)
		}
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("fields[%s] = %v, want %q", k, got[k], v)
		}
	}
}

// wantLogged fails unless one log line carries both the request id and text.
func wantLogged(t *testing.T, h *harness, requestID, text string) {
	t.Helper()
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, `"request_id":"`+requestID+`"`) && strings.Contains(line, text) {
			return
		}
	}
	t.Errorf("no log line with request id %s and %q in:\n%s", requestID, text, h.logs.String())
}

// TestPanicRecovery: a panicking handler answers 500 JSON with the request
// id, logs the panic with it, and the server keeps serving.
func TestPanicRecovery(t *testing.T) {
	h := newHarness(t, nil, func(s *server) {
		s.engine.GET("/test/panic", s.wrap(func(*gin.Context) error { panic("boom at 10.0.0.7") }))
	})
	r := h.do(req{method: "GET", path: "/test/panic", header: map[string]string{"X-Request-ID": "panic-req-1"}})
	if r.status != http.StatusInternalServerError || r.errCode(t) != "internal" {
		t.Fatalf("got %d %s, want 500 internal", r.status, r.body)
	}
	if id := r.json(t)["error"].(map[string]any)["request_id"]; id != "panic-req-1" {
		t.Errorf("request_id %v, want panic-req-1", id)
	}
	if strings.Contains(string(r.body), "boom") {
		t.Errorf("panic value leaked: %s", r.body)
	}
	wantLogged(t, h, "panic-req-1", "boom at 10.0.0.7")
	if r := h.do(req{method: "GET", path: "/healthz"}); r.status != http.StatusOK {
		t.Errorf("after a panic /healthz answered %d", r.status)
	}
}

// TestRouterErrors: unknown routes are 404 JSON, wrong methods 405 JSON
// with Allow, malformed ids 404.
func TestRouterErrors(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	for _, tc := range []struct {
		method, path string
		token        bool
		status       int
		code         string
	}{
		{"GET", "/api/nope", false, 404, "not_found"},
		{"GET", "/api/me/", true, 404, "not_found"},
		{"GET", "/nothing/here", false, 404, "not_found"},
		{"DELETE", "/api/me", true, 405, "method_not_allowed"},
		{"PUT", "/api/setup", false, 405, "method_not_allowed"},
		{"GET", "/api/chats/0", true, 404, "not_found"},
		{"GET", "/api/chats/-1", true, 404, "not_found"},
		{"GET", "/api/chats/+1", true, 404, "not_found"},
		{"GET", "/api/chats/01", true, 404, "not_found"},
		{"GET", "/api/chats/abc", true, 404, "not_found"},
		{"GET", "/api/chats/1.5", true, 404, "not_found"},
		{"GET", "/api/chats/99999999999999999999", true, 404, "not_found"},
		{"GET", "/api/workspaces/0/members", true, 404, "not_found"},
		{"DELETE", "/api/auth/sessions/x", true, 404, "not_found"},
		{"GET", "/api/files/-5", true, 404, "not_found"},
		{"GET", "/api/invites/" + strings.Repeat("a", 200), false, 404, "not_found"},
		{"GET", "/api/me", false, 401, "unauthorized"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rq := req{method: tc.method, path: tc.path}
			if tc.token {
				rq.token = admin.token
			}
			r := h.do(rq)
			if r.status != tc.status || r.errCode(t) != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
			if tc.status == 405 && r.header.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
		})
	}
}

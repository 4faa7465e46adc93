package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestLimitClass: every route has the class the issue gives it, by its
// pattern and by a request path alike.
func TestLimitClass(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/healthz", ""},
		{"GET", "/readyz", ""},
		{"POST", "/api/auth/signin", limitAuth},
		{"POST", "/api/auth/signup", limitAuth},
		{"POST", "/api/auth/refresh", limitAuth},
		{"POST", "/api/setup", limitAuth},
		{"POST", "/api/me/password", limitAuth},
		{"GET", "/api/invites/:code", limitAuth},
		{"GET", "/api/invites/Zx81", limitAuth},
		{"POST", "/api/invites/Zx81/accept", limitWrites},
		{"POST", "/api/chats/:chat/messages", limitWrites},
		{"PATCH", "/api/chats/4/messages/9", limitWrites},
		{"PUT", "/api/chats/4/messages/9/reactions/x", limitWrites},
		{"POST", "/api/workspaces/1/files", limitWrites},
		{"POST", "/api/auth/logout", limitWrites},
		{"GET", "/api/chats/4/messages", limitReads},
		{"GET", "/api/setup", limitReads},
		{"GET", "/api/workspaces/:ws/search/settings", limitReads},
		{"GET", "/api/workspaces/:ws/search", limitSearch},
		{"GET", "/api/workspaces/3/search", limitSearch},
		{"GET", "/api/events", limitEvents},
		{"POST", "/api/events/ticket", limitEvents},
	} {
		if got := LimitClass(tc.method, tc.path); got != tc.want {
			t.Errorf("LimitClass(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
	s := newServer(Deps{})
	for _, r := range s.routes() {
		if LimitClass(r.method, r.path) == "" && r.path != healthPath && r.path != readyPath {
			t.Errorf("%s %s has no rate-limit class", r.method, r.path)
		}
	}
}

// TestRequireJSON: a JSON route refuses a body of another type with 415
// even when its handler never reads the body; an empty body passes.
func TestRequireJSON(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	r := h.do(req{method: "POST", path: "/api/auth/logout", token: admin.token, body: "a=b", contentType: "application/x-www-form-urlencoded"})
	if r.status != http.StatusUnsupportedMediaType || r.errCode(t) != "unsupported_media_type" {
		t.Fatalf("form body: %d %s", r.status, r.body)
	}
	r = h.do(req{method: "POST", path: "/api/auth/logout", token: admin.token})
	if r.status != http.StatusNoContent {
		t.Fatalf("empty body: %d %s", r.status, r.body)
	}
}

// TestLogsHoldNoCredentials: neither the bearer token nor the cookies of
// a request reach any log line, whatever the answer.
func TestLogsHoldNoCredentials(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	const cookieSecret = "cookie-secret-4f1c9e"
	cookies := []*http.Cookie{{Name: "fechatter_refresh", Value: cookieSecret}, {Name: "other", Value: cookieSecret}}
	for _, rq := range []req{
		{method: "GET", path: "/api/me", token: admin.token, cookies: cookies},
		{method: "GET", path: "/api/me", token: admin.token + "x", cookies: cookies},
		{method: "GET", path: "/api/nope", token: admin.token, cookies: cookies},
		{method: "POST", path: "/api/auth/refresh", cookies: cookies, header: map[string]string{"Origin": h.srv.URL}},
		{method: "GET", path: "/api/events", token: admin.token + "x", cookies: cookies},
	} {
		h.do(rq)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"route":"/api/me"`) {
		t.Fatalf("no access log captured:\n%s", logs)
	}
	for _, secret := range []string{admin.token, cookieSecret} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a log line holds a credential %q:\n%s", secret, logs)
		}
	}
}

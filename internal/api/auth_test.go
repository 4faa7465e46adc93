package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/auth"
)

// cookieNamed returns the Set-Cookie of name in r, or nil.
func cookieNamed(r resp, name string) *http.Cookie {
	for _, c := range r.res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestRefreshCookieFlags: the refresh cookie is Secure and named with the
// __Host- prefix exactly when the request came over HTTPS (under auto:
// TLS to us, or a trusted proxy saying X-Forwarded-Proto: https), and
// always or never when configured so; refresh_in_body moves the token into
// the body instead.
func TestRefreshCookieFlags(t *testing.T) {
	const (
		plain = "plain"
		tls   = "tls"
	)
	for _, tc := range []struct {
		name    string
		mode    CookieSecurity
		via     string
		proxies []string
		proto   string
		secure  bool
	}{
		{"auto over tls", CookiesAuto, tls, nil, "", true},
		{"auto over plain http", CookiesAuto, plain, nil, "", false},
		{"auto via trusted proxy https", CookiesAuto, plain, []string{"127.0.0.1"}, "https", true},
		{"auto via trusted proxy list", CookiesAuto, plain, []string{"127.0.0.0/8"}, "HTTPS, http", true},
		{"auto via trusted proxy http", CookiesAuto, plain, []string{"127.0.0.1"}, "http", false},
		{"auto untrusted forwarded proto", CookiesAuto, plain, nil, "https", false},
		{"auto forwarded proto from other proxy", CookiesAuto, plain, []string{"10.0.0.1"}, "https", false},
		{"always over plain http", CookiesAlways, plain, nil, "", true},
		{"never over tls", CookiesNever, tls, nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(d *Deps) {
				d.Config.SecureCookies = tc.mode
				d.Config.TrustedProxies = tc.proxies
			}, nil)
			if tc.via == tls {
				h.srv.Close()
				h.srv = httptest.NewTLSServer(h.s.engine)
				t.Cleanup(h.srv.Close)
			}
			h.setup()
			name := plainRefreshCookie
			if tc.secure {
				name = secureRefreshCookie
			}
			var hdr map[string]string
			if tc.proto != "" {
				hdr = map[string]string{"X-Forwarded-Proto": tc.proto}
			}
			r := h.do(req{method: "POST", path: "/api/auth/signin", header: hdr, body: map[string]any{
				"email": "admin@example.com", "password": "correct horse battery",
			}})
			if r.status != http.StatusOK {
				t.Fatalf("signin: %d %s", r.status, r.body)
			}
			if _, ok := r.json(t)["refresh_token"]; ok {
				t.Errorf("refresh token in the body without refresh_in_body")
			}
			c := cookieNamed(r, name)
			if c == nil {
				t.Fatalf("no %s cookie in %v", name, r.header["Set-Cookie"])
			}
			if !c.HttpOnly || c.Secure != tc.secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" || c.Value == "" {
				t.Errorf("cookie flags: %+v", c)
			}
			if c.MaxAge <= 0 {
				t.Errorf("cookie MaxAge %d, want the session's lifetime", c.MaxAge)
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("session answer cacheable: %q", r.header.Get("Cache-Control"))
			}
			// The cookie set on this transport refreshes on it.
			again := h.do(req{method: "POST", path: "/api/auth/refresh", header: hdr, cookies: []*http.Cookie{c}})
			if again.status != http.StatusOK || cookieNamed(again, name) == nil {
				t.Errorf("refresh with the %s cookie: %d %v", name, again.status, again.header["Set-Cookie"])
			}
		})
	}
}

// TestRefreshWithCookie: the cookie refreshes, rotates, and a reused one is
// refused (and cleared); logout clears the cookie.
func TestRefreshWithCookie(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.setup()
	signin := h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{
		"email": "admin@example.com", "password": "correct horse battery",
	}})
	first := cookieNamed(signin, secureRefreshCookie)
	if first == nil {
		t.Fatalf("no refresh cookie: %v", signin.header)
	}
	r := h.do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{first}})
	if r.status != http.StatusOK {
		t.Fatalf("refresh with cookie: %d %s", r.status, r.body)
	}
	second := cookieNamed(r, secureRefreshCookie)
	if second == nil || second.Value == first.Value {
		t.Fatalf("refresh did not rotate the cookie: %v", r.header["Set-Cookie"])
	}
	sess := sessionOf(t, r)

	reused := h.do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{first}})
	if reused.status != http.StatusUnauthorized || reused.errCode(t) != "unauthorized" {
		t.Fatalf("reused refresh token: %d %s, want 401", reused.status, reused.body)
	}
	if c := cookieNamed(reused, secureRefreshCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("refused cookie not cleared: %v", reused.header["Set-Cookie"])
	}

	// The reuse ended the session, its access token included.
	if r := h.do(req{method: "GET", path: "/api/me", token: sess.token}); r.status != http.StatusUnauthorized {
		t.Errorf("access token of a session ended by reuse: %d, want 401", r.status)
	}
	fresh := sessionOf(t, h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{
		"email": "admin@example.com", "password": "correct horse battery",
	}}))
	out := h.do(req{method: "POST", path: "/api/auth/logout", token: fresh.token})
	if out.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", out.status, out.body)
	}
	if c := cookieNamed(out, secureRefreshCookie); c == nil || c.MaxAge >= 0 || !c.Secure || !c.HttpOnly {
		t.Errorf("logout did not clear the cookie: %v", out.header["Set-Cookie"])
	}
}

// TestRefreshInBody: refresh_in_body returns the token in the body, no
// cookie is set, and the body token refreshes.
func TestRefreshInBody(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.setup()
	signin := h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{
		"email": "admin@example.com", "password": "correct horse battery", "refresh_in_body": true,
	}})
	tok, _ := signin.json(t)["refresh_token"].(string)
	if tok == "" || len(signin.res.Cookies()) != 0 {
		t.Fatalf("want the token in the body and no cookie: %s %v", signin.body, signin.header["Set-Cookie"])
	}
	r := h.do(req{method: "POST", path: "/api/auth/refresh", body: map[string]any{"refresh_token": tok, "refresh_in_body": true}})
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	if next, _ := r.json(t)["refresh_token"].(string); next == "" || next == tok {
		t.Errorf("refresh did not hand out a new token: %s", r.body)
	}
	if r := h.do(req{method: "POST", path: "/api/auth/refresh"}); r.status != http.StatusUnauthorized {
		t.Errorf("refresh without any token: %d, want 401", r.status)
	}
}

// TestBearerAuth: missing, malformed and forged tokens are 401 with
// WWW-Authenticate; a valid one works with any scheme case.
func TestBearerAuth(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	for _, tc := range []struct {
		name, header string
		status       int
	}{
		{"none", "", 401},
		{"basic", "Basic YWRtaW46eA==", 401},
		{"empty bearer", "Bearer ", 401},
		{"forged", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", 401},
		{"garbage", "Bearer not-a-token", 401},
		{"valid", "Bearer " + admin.token, 200},
		{"lowercase scheme", "bearer " + admin.token, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rq := req{method: "GET", path: "/api/me"}
			if tc.header != "" {
				rq.header = map[string]string{"Authorization": tc.header}
			}
			r := h.do(rq)
			if r.status != tc.status {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tc.status)
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

// TestSessionsAndLogoutAll: the session list marks the current session,
// one can be ended, and logout-all stops every access token.
func TestSessionsAndLogoutAll(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	other := sessionOf(t, h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{
		"email": "admin@example.com", "password": "correct horse battery", "refresh_in_body": true,
	}}))
	list := h.do(req{method: "GET", path: "/api/auth/sessions", token: admin.token}).json(t)["sessions"].([]any)
	if len(list) != 2 {
		t.Fatalf("want 2 sessions, got %v", list)
	}
	current := 0
	var otherID float64
	for _, s := range list {
		m := s.(map[string]any)
		if m["current"] == true {
			current++
		} else {
			otherID = m["id"].(float64)
		}
	}
	if current != 1 {
		t.Errorf("want exactly one current session: %v", list)
	}
	if r := h.do(req{method: "DELETE", path: "/api/auth/sessions/" + itoa(int64(otherID)), token: admin.token}); r.status != 204 {
		t.Fatalf("revoke session: %d %s", r.status, r.body)
	}
	if r := h.do(req{method: "DELETE", path: "/api/auth/sessions/999999", token: admin.token}); r.status != 404 {
		t.Errorf("revoke a session that is not theirs: %d, want 404", r.status)
	}
	if r := h.do(req{method: "GET", path: "/api/me", token: other.token}); r.status != 401 {
		t.Errorf("access token of a revoked session: %d, want 401", r.status)
	}
	third := sessionOf(t, h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{
		"email": "admin@example.com", "password": "correct horse battery", "refresh_in_body": true,
	}}))
	if r := h.do(req{method: "POST", path: "/api/auth/logout-all", token: third.token}); r.status != 204 {
		t.Fatalf("logout-all: %d %s", r.status, r.body)
	}
	if r := h.do(req{method: "GET", path: "/api/me", token: admin.token}); r.status != 401 {
		t.Errorf("access token after logout-all: %d, want 401", r.status)
	}
}

// TestCookieRefreshNeverInBody: a refresh token that came in the HttpOnly
// cookie goes back only in the cookie, even with refresh_in_body.
func TestCookieRefreshNeverInBody(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.setup()
	signin := h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{
		"email": "admin@example.com", "password": "correct horse battery",
	}})
	first := cookieNamed(signin, secureRefreshCookie)
	if first == nil {
		t.Fatalf("no refresh cookie: %v", signin.header)
	}
	r := h.do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{first},
		body: map[string]any{"refresh_in_body": true}})
	if r.status != http.StatusOK {
		t.Fatalf("refresh with cookie: %d %s", r.status, r.body)
	}
	if tok, ok := r.json(t)["refresh_token"]; ok {
		t.Fatalf("a cookie refresh put the refresh token in the body: %v", tok)
	}
	if c := cookieNamed(r, secureRefreshCookie); c == nil || c.Value == "" || c.Value == first.Value || !c.HttpOnly {
		t.Fatalf("the new token is not in the cookie: %v", r.header["Set-Cookie"])
	}
}

// signUpBudget is an AuthService whose sign-up budget is small.
type signUpBudget struct {
	AuthService
	limits *auth.Service
}

func (s signUpBudget) AllowSignUp(ip string) error { return s.limits.AllowSignUp(ip) }

// TestSignUpRateLimited: sign-up attempts of one client are limited, good
// or bad, with a 429 that says when to come back.
func TestSignUpRateLimited(t *testing.T) {
	limits := auth.New(nil, auth.Config{SigningKey: []byte("unused-signing-key-0123456789abcdef"),
		SignUpPerIP: auth.RateSpec{Burst: 2, Per: time.Hour}})
	h := newHarness(t, func(d *Deps) { d.Auth = signUpBudget{d.Auth, limits} }, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob") // one attempt
	if bob.token == "" {
		t.Fatal("no session for bob")
	}
	body := map[string]any{"email": "eve@example.com", "password": "correct horse battery", "username": "eve"}
	if r := h.do(req{method: "POST", path: "/api/auth/signup", body: body}); r.status != http.StatusForbidden {
		t.Fatalf("sign-up without an invite: %d %s, want 403", r.status, r.body)
	}
	r := h.do(req{method: "POST", path: "/api/auth/signup", body: body})
	if r.status != http.StatusTooManyRequests || r.errCode(t) != "rate_limited" || r.header.Get("Retry-After") != "1800" {
		t.Fatalf("third sign-up: %d %s Retry-After %q, want 429 after 1800 s", r.status, r.body, r.header.Get("Retry-After"))
	}
}

// TestSignUpTakenEmailUniform: a taken email gets one answer that does not
// say it has an account; a taken username is named.
func TestSignUpTakenEmailUniform(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	try := func(email, username string) map[string]any {
		inv := h.do(req{method: "POST", path: "/api/workspaces/" + itoa(ws) + "/invites", token: admin.token}).json(t)
		r := h.do(req{method: "POST", path: "/api/auth/signup", body: map[string]any{
			"email": email, "password": "correct horse battery", "username": username, "invite_code": inv["code"],
		}})
		if r.status != http.StatusConflict {
			t.Fatalf("sign-up %s/%s: %d %s, want 409", email, username, r.status, r.body)
		}
		e := r.json(t)["error"].(map[string]any)
		delete(e, "request_id")
		return e
	}
	first := try("admin@example.com", "fresh1")
	if again := try("ADMIN@example.com", "fresh2"); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Fatalf("two answers for one taken email:\n%v\n%v", first, again)
	}
	if f := first["fields"].(map[string]any); len(f) != 1 || f["email"] != "cannot be used to sign up" ||
		strings.Contains(fmt.Sprint(first["message"]), "taken") {
		t.Fatalf("taken email answer %v", first)
	}
	if f := try("new@example.com", "admin")["fields"].(map[string]any); f["username"] != "is already taken" {
		t.Fatalf("taken username answer %v", f)
	}
}

// TestClientMetaUserAgent: the user agent kept with a session is valid
// UTF-8 and at most maxUserAgent bytes, whatever bytes the header held
// (Postgres refuses invalid UTF-8; a sign-in must not fail over it).
func TestClientMetaUserAgent(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Mozilla/5.0", "Mozilla/5.0"},
		{"invalid UTF-8", "bad \xff\xfe agent", "bad  agent"},
		{"long", strings.Repeat("a", maxUserAgent+10), strings.Repeat("a", maxUserAgent)},
		{"cut inside a rune", strings.Repeat("a", maxUserAgent-1) + "é", strings.Repeat("a", maxUserAgent-1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodPost, "/api/auth/signin", nil)
			c.Request.Header.Set("User-Agent", tc.in)
			if got := clientMeta(c).UserAgent; got != tc.want {
				t.Fatalf("user agent %q, want %q", got, tc.want)
			}
		})
	}
}

package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// Refresh cookie names. The __Host- prefix pins the cookie to this host,
// Path=/ and Secure (RFC 6265bis §4.1.3.2); browsers refuse it over plain
// HTTP, so development on http://localhost uses the plain name.
const (
	secureRefreshCookie = "__Host-fechatter_refresh"
	plainRefreshCookie  = "fechatter_refresh"
)

// maxUserAgent bounds the user agent kept with a session.
const maxUserAgent = 256

// sessionBody is the answer of setup, sign-up, sign-in and refresh (API.md
// "Setup and auth").
type sessionBody struct {
	User        model.User `json:"user"`
	AccessToken string     `json:"access_token"`
	TokenType   string     `json:"token_type"`
	ExpiresIn   int64      `json:"expires_in"`
	// RefreshToken is only in the body when the client asked for it.
	RefreshToken string `json:"refresh_token,omitempty"`
	// RecoveryCodes are only in the answer of an enrolment that ends a
	// sign-in (POST /api/auth/2fa/enrol/confirm).
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
}

// signUpRequest is the body of POST /api/auth/signup.
type signUpRequest struct {
	Email         string `json:"email"`
	Password      string `json:"password"`
	Username      string `json:"username"`
	DisplayName   string `json:"display_name"`
	InviteCode    string `json:"invite_code"`
	RefreshInBody bool   `json:"refresh_in_body"`
}

// signInRequest is the body of POST /api/auth/signin.
type signInRequest struct {
	Email         string `json:"email"`
	Password      string `json:"password"`
	RefreshInBody bool   `json:"refresh_in_body"`
}

// refreshRequest is the optional body of POST /api/auth/refresh.
type refreshRequest struct {
	RefreshToken  string `json:"refresh_token"`
	RefreshInBody bool   `json:"refresh_in_body"`
}

// sessionInfo is one entry of GET /api/auth/sessions.
type sessionInfo struct {
	model.Session
	// Current marks the session of the calling access token.
	Current bool `json:"current"`
}

func (s *server) authRoutes() []route {
	return []route{
		{method: http.MethodPost, path: "/api/auth/signup", public: true, handle: s.signUp, doc: doc{
			tag: "auth", summary: "Create an account (with an invite code unless sign-up is open) and sign in",
			body: "SignUpRequest", status: http.StatusCreated, result: "Session",
			errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusTooManyRequests},
		}},
		{method: http.MethodPost, path: "/api/auth/signin", public: true, handle: s.signIn, doc: doc{
			tag: "auth", summary: "Sign in with email and password. Accounts without two-factor authentication get a Session. " +
				"With it (or when an administrator requires it and the account has none) the answer is instead " +
				"{\"second_step\": {\"token\", \"expires_in\", \"required_action\": \"code\" | \"enrol\", \"methods\"}} and no session: " +
				"send the token with a code to POST /api/auth/2fa, or enrol with POST /api/auth/2fa/enrol and .../enrol/confirm. " +
				"403 for non-admins when auth.oidc.sso_only is on",
			body: "SignInRequest", status: http.StatusOK, result: "SignInResult",
			errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests},
		}},
		{method: http.MethodPost, path: "/api/auth/refresh", public: true, handle: s.refresh, doc: doc{
			tag: "auth", summary: "Exchange a refresh token (cookie or body) for new tokens",
			body: "RefreshRequest", bodyOptional: true, status: http.StatusOK, result: "Session",
			errors: []int{http.StatusUnauthorized},
		}},
		{method: http.MethodPost, path: "/api/auth/logout", handle: s.logout, doc: doc{
			tag: "auth", summary: "End the current session", status: http.StatusNoContent,
		}},
		{method: http.MethodPost, path: "/api/auth/logout-all", handle: s.logoutAll, doc: doc{
			tag: "auth", summary: "End every session of the caller", status: http.StatusNoContent,
		}},
		{method: http.MethodGet, path: "/api/auth/sessions", handle: s.sessions, doc: doc{
			tag: "auth", summary: "List the caller's live sessions", status: http.StatusOK, result: "SessionList",
		}},
		{method: http.MethodDelete, path: "/api/auth/sessions/:id", handle: s.revokeSession, doc: doc{
			tag: "auth", summary: "End one of the caller's sessions", status: http.StatusNoContent,
		}},
	}
}

// signUp answers POST /api/auth/signup with a session (201).
func (s *server) signUp(c *gin.Context) error {
	if err := s.auth.AllowPasswordSignUp(); err != nil {
		return err
	}
	if err := s.auth.AllowSignUp(c.ClientIP()); err != nil {
		return err
	}
	var in signUpRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	g, err := s.chat.SignUp(c.Request.Context(), chat.SignUpInput{
		Email: in.Email, Password: in.Password, Username: in.Username,
		DisplayName: in.DisplayName, InviteCode: in.InviteCode,
	}, clientMeta(c))
	if err != nil {
		return err
	}
	s.writeSession(c, http.StatusCreated, g, in.RefreshInBody)
	return nil
}

// signIn answers POST /api/auth/signin with a session (200).
func (s *server) signIn(c *gin.Context) error {
	var in signInRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	g, err := s.auth.SignIn(c.Request.Context(), in.Email, in.Password, clientMeta(c))
	if err != nil {
		return err
	}
	s.writeGrant(c, http.StatusOK, g, in.RefreshInBody)
	return nil
}

// refresh answers POST /api/auth/refresh: the token comes from the body or,
// failing that, the refresh cookie. refresh_in_body applies only to a
// token that came in the body.
func (s *server) refresh(c *gin.Context) error {
	var in refreshRequest
	if err := decodeJSON(c.Request, &in, bodyOptional); err != nil {
		return err
	}
	token, fromCookie := in.RefreshToken, false
	if token == "" {
		token, fromCookie = s.refreshCookie(c), true
	}
	if token == "" {
		return apperr.Unauthorized("missing refresh token")
	}
	g, err := s.auth.Refresh(c.Request.Context(), token, clientMeta(c))
	if err != nil {
		if fromCookie && apperr.Is(err, apperr.KindUnauthorized) {
			s.clearRefreshCookie(c) // dead token: stop the browser sending it
		}
		return err
	}
	// A token that came in the HttpOnly cookie goes back only in the
	// cookie: refresh_in_body must not hand it to scripts.
	s.writeSession(c, http.StatusOK, g, in.RefreshInBody && !fromCookie)
	return nil
}

// logout answers POST /api/auth/logout: revokes the current refresh family.
func (s *server) logout(c *gin.Context) error {
	if err := s.auth.Logout(c.Request.Context(), principal(c)); err != nil {
		return err
	}
	s.clearRefreshCookie(c)
	c.Status(http.StatusNoContent)
	return nil
}

// logoutAll answers POST /api/auth/logout-all: every token of the caller dies.
func (s *server) logoutAll(c *gin.Context) error {
	if err := s.auth.LogoutAll(c.Request.Context(), userID(c)); err != nil {
		return err
	}
	s.clearRefreshCookie(c)
	c.Status(http.StatusNoContent)
	return nil
}

// sessions answers GET /api/auth/sessions.
func (s *server) sessions(c *gin.Context) error {
	p := principal(c)
	list, err := s.auth.Sessions(c.Request.Context(), p.UserID)
	if err != nil {
		return err
	}
	out := make([]sessionInfo, 0, len(list))
	for _, ss := range list {
		out = append(out, sessionInfo{Session: ss, Current: ss.ID == p.SessionID})
	}
	writeJSON(c, http.StatusOK, gin.H{"sessions": out})
	return nil
}

// revokeSession answers DELETE /api/auth/sessions/{id}; 404 if not theirs.
func (s *server) revokeSession(c *gin.Context) error {
	id, err := pathID(c, "id", "session")
	if err != nil {
		return err
	}
	if err := s.auth.RevokeSession(c.Request.Context(), userID(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// writeSession answers with the session body, putting the refresh token in
// the body when the client asked for it and in the cookie otherwise.
func (s *server) writeSession(c *gin.Context, status int, g auth.Grant, refreshInBody bool) {
	body := sessionBody{
		User:        g.User,
		AccessToken: g.AccessToken,
		TokenType:   "Bearer",
		ExpiresIn:   int64(g.ExpiresIn / time.Second),
	}
	if refreshInBody {
		body.RefreshToken = g.RefreshToken
	} else {
		s.setRefreshCookie(c, g.RefreshToken, g.RefreshExpiresAt)
	}
	writeJSON(c, status, body)
}

// cookieName is the refresh cookie's name for this request.
func (s *server) cookieName(c *gin.Context) string {
	if s.secureRequest(c) {
		return secureRefreshCookie
	}
	return plainRefreshCookie
}

// setRefreshCookie stores the refresh token: HttpOnly so scripts cannot
// read it, SameSite=Strict so no other site can send it.
func (s *server) setRefreshCookie(c *gin.Context, token string, expires time.Time) {
	ck := &http.Cookie{
		Name: s.cookieName(c), Value: token, Path: "/",
		HttpOnly: true, Secure: s.secureRequest(c), SameSite: http.SameSiteStrictMode,
	}
	if !expires.IsZero() {
		ck.Expires = expires.UTC()
		ck.MaxAge = max(int(time.Until(expires).Seconds()), 1)
	}
	http.SetCookie(c.Writer, ck)
}

// clearRefreshCookie tells the browser to drop the refresh cookie.
func (s *server) clearRefreshCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: s.cookieName(c), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureRequest(c), SameSite: http.SameSiteStrictMode,
	})
}

// refreshCookie returns the refresh token from the cookie, or "". Only the
// name for this request counts: over HTTPS a plain-named one could have
// been planted by a sibling subdomain or over plain HTTP.
func (s *server) refreshCookie(c *gin.Context) string {
	ck, err := c.Request.Cookie(s.cookieName(c))
	if err != nil {
		return ""
	}
	return ck.Value
}

// clientMeta describes the caller for the session list. The user agent is
// cut to maxUserAgent bytes and made valid UTF-8: a header may carry any
// byte, and Postgres refuses text that is not UTF-8 (a sign-in must not
// fail over the browser's name).
func clientMeta(c *gin.Context) auth.ClientMeta {
	ua := c.Request.UserAgent()
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	return auth.ClientMeta{UserAgent: strings.ToValidUTF8(ua, ""), IP: c.ClientIP()}
}

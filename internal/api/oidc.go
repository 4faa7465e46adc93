package api

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
)

// Flow cookie names: the sealed state of one single sign-on between the
// start and the callback. SameSite=Lax, not Strict: the callback is a
// top-level navigation from the provider's site, and must carry it.
const (
	secureFlowCookie = "__Host-fechatter_oidc"
	plainFlowCookie  = "fechatter_oidc"
)

func (s *server) oidcRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/auth/oidc/providers", public: true, handle: s.oidcProviders, doc: doc{
			tag: "auth", summary: "The single sign-on providers, for the sign-in page's Sign in with ... buttons",
			status: http.StatusOK, result: "OIDCProviders",
		}},
		{method: http.MethodGet, path: "/api/auth/oidc/:provider/start", public: true, handle: s.oidcStart, doc: doc{
			tag: "auth", summary: "Start single sign-on: redirects the browser to the provider (authorization code flow with PKCE, state and nonce kept in a short-lived HttpOnly cookie)",
			status: http.StatusFound, errors: []int{http.StatusServiceUnavailable},
		}},
		{method: http.MethodGet, path: "/api/auth/oidc/:provider/callback", public: true, handle: s.oidcCallback, doc: doc{
			tag: "auth", summary: "Where the provider sends the browser back: sets the refresh cookie and redirects to the web app, or to /?sso_error=<reason> when refused",
			query:  []param{{name: "state", schema: str()}, {name: "code", schema: str()}, {name: "error", schema: str()}},
			status: http.StatusFound,
		}},
	}
}

// oidcProviders answers GET /api/auth/oidc/providers.
func (s *server) oidcProviders(c *gin.Context) error {
	writeJSON(c, http.StatusOK, gin.H{"providers": s.auth.OIDCProviders(), "sso_only": s.auth.SSOOnly()})
	return nil
}

// oidcStart answers GET /api/auth/oidc/{provider}/start with a redirect.
func (s *server) oidcStart(c *gin.Context) error {
	to, flow, err := s.auth.BeginOIDC(c.Request.Context(), c.Param("provider"))
	var se *auth.SSOError
	if errors.As(err, &se) {
		if se.Reason == "unknown_provider" {
			return apperr.NotFound("provider")
		}
		s.log.WarnContext(c.Request.Context(), "single sign-on unavailable", "provider", c.Param("provider"), "error", err)
		return apperr.Unavailable("the identity provider cannot be reached; try again later")
	}
	if err != nil {
		return err
	}
	s.setFlowCookie(c, flow, int(auth.FlowTTL().Seconds()))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, to)
	return nil
}

// oidcCallback answers the provider's redirect: a session and the web
// app, or the web app with the reason of the refusal.
func (s *server) oidcCallback(c *gin.Context) error {
	ctx := c.Request.Context()
	flow := ""
	if ck, err := c.Request.Cookie(s.flowCookieName(c)); err == nil {
		flow = ck.Value
	}
	s.setFlowCookie(c, "", -1) // one use, whatever happens
	c.Header("Cache-Control", "no-store")
	q := c.Request.URL.Query()
	if q.Get("error") != "" {
		s.ssoRefused(c, "provider_denied", errors.New(q.Get("error")))
		return nil
	}
	g, err := s.auth.FinishOIDC(ctx, c.Param("provider"), flow, q.Get("state"), q.Get("code"), clientMeta(c))
	var se *auth.SSOError
	switch {
	case errors.As(err, &se):
		s.ssoRefused(c, se.Reason, err)
		return nil
	case err != nil:
		return err
	}
	s.setRefreshCookie(c, g.RefreshToken, g.RefreshExpiresAt)
	c.Redirect(http.StatusFound, "/")
	return nil
}

// ssoRefused logs why a single sign-on was refused and sends the browser
// to the web app's sign-in page with the reason.
func (s *server) ssoRefused(c *gin.Context, reason string, err error) {
	s.log.InfoContext(c.Request.Context(), "single sign-on refused", "provider", c.Param("provider"), "reason", reason, "error", err)
	c.Redirect(http.StatusFound, "/?sso_error="+url.QueryEscape(reason))
}

// flowCookieName is the flow cookie's name for this request.
func (s *server) flowCookieName(c *gin.Context) string {
	if s.secureRequest(c) {
		return secureFlowCookie
	}
	return plainFlowCookie
}

// setFlowCookie sets (maxAge > 0) or clears (maxAge < 0) the flow cookie.
func (s *server) setFlowCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: s.flowCookieName(c), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureRequest(c), SameSite: http.SameSiteLaxMode,
	})
}

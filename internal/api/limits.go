package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// Limiter holds the rate limits the API applies (internal/gateway's
// Limiter). Each call adds the RateLimit-Policy and RateLimit fields of
// what it charged to h; a refusal says how long to wait.
type Limiter interface {
	// AdmitIP charges a request of class to the client ip.
	AdmitIP(h http.Header, class, ip string) (wait time.Duration, ok bool)
	// AdmitUser charges a request of class to a signed-in user.
	AdmitUser(h http.Header, class string, userID int64) (wait time.Duration, ok bool)
	// OpenStream reserves a concurrent event stream; release ends it.
	OpenStream(h http.Header, userID int64, ip string) (release func(), wait time.Duration, ok bool)
}

// StreamPath is the path of the event stream (SSE), whose answer never
// ends: it gets no write deadline.
const StreamPath = eventsPath

// Rate-limit classes (the names internal/gateway budgets).
const (
	limitAuth   = "auth"
	limitWrites = "writes"
	limitReads  = "reads"
	limitSearch = "search"
	limitEvents = "events"
	// limitStreams labels refusals by the concurrent-stream caps in the
	// rate-limited metric; it is no budget of its own.
	limitStreams = "streams"
)

// authLimited are the routes of the auth class besides invite lookups:
// each one guesses or spends a credential.
var authLimited = map[string]bool{
	"POST /api/setup": true, "POST /api/auth/signup": true, "POST /api/auth/signin": true,
	"POST /api/auth/refresh": true, "POST /api/me/password": true,
	"POST /api/auth/2fa": true, "POST /api/auth/2fa/enrol": true, "POST /api/auth/2fa/enrol/confirm": true,
	"POST /api/me/2fa/totp/confirm": true, "POST /api/me/2fa/disable": true,
	"POST /api/auth/password-reset": true, "POST /api/auth/password-reset/confirm": true,
	"POST /api/me/email": true, "POST /api/me/email/confirm": true,
}

// LimitClass names the rate-limit class of a request by its method and
// path (a request path, or a route pattern such as /api/chats/:chat): auth,
// writes, reads, search or events; "" for the health probes, which are
// not limited. The `fechatter gateway` proxy classifies with it too.
func LimitClass(method, path string) string {
	read := method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
	switch {
	case path == healthPath || path == readyPath:
		return ""
	case authLimited[method+" "+path] || read && (isInviteLookup(path) || isSSOFlow(path)):
		return limitAuth
	case path == eventsPath || path == eventsPath+"/ticket":
		return limitEvents
	case read && strings.HasPrefix(path, "/api/workspaces/") && strings.HasSuffix(path, "/search"):
		return limitSearch
	case read:
		return limitReads
	}
	return limitWrites
}

// isSSOFlow matches the single sign-on start and callback
// (/api/auth/oidc/{provider}/start and .../callback).
func isSSOFlow(path string) bool {
	rest, ok := strings.CutPrefix(path, "/api/auth/oidc/")
	return ok && (strings.HasSuffix(rest, "/start") || strings.HasSuffix(rest, "/callback"))
}

// isInviteLookup matches /api/invites/{code}.
func isInviteLookup(path string) bool {
	code, ok := strings.CutPrefix(path, "/api/invites/")
	return ok && code != "" && !strings.Contains(code, "/")
}

// limitIP refuses a request over its class's per-IP budget.
func (s *server) limitIP(class string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if wait, ok := s.limiter.AdmitIP(c.Writer.Header(), class, c.ClientIP()); !ok {
			telemetry.RateLimited.WithLabelValues(class).Inc()
			s.renderError(c, apperr.RateLimited(wait))
		}
	}
}

// limitUser refuses a request over its class's per-user budget; it runs
// after requireAuth.
func (s *server) limitUser(class string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if wait, ok := s.limiter.AdmitUser(c.Writer.Header(), class, userID(c)); !ok {
			telemetry.RateLimited.WithLabelValues(class).Inc()
			s.renderError(c, apperr.RateLimited(wait))
		}
	}
}

// limitChain is the rate-limit middleware of a route: per IP before
// authentication (so floods of bad tokens are cheap to refuse), per user
// after it.
func (s *server) limitChain(r route) (beforeAuth, afterAuth []gin.HandlerFunc) {
	class := LimitClass(r.method, r.path)
	if s.limiter == nil || class == "" {
		return nil, nil
	}
	beforeAuth = []gin.HandlerFunc{s.limitIP(class)}
	if !r.public {
		afterAuth = []gin.HandlerFunc{s.limitUser(class)}
	}
	return beforeAuth, afterAuth
}

// openStream charges a new event stream of an authenticated user to the
// events budget and the concurrent-stream caps. release is never nil.
func (s *server) openStream(c *gin.Context, userID int64) (release func(), err error) {
	if s.limiter == nil {
		return func() {}, nil
	}
	h := c.Writer.Header()
	if wait, ok := s.limiter.AdmitUser(h, limitEvents, userID); !ok {
		telemetry.RateLimited.WithLabelValues(limitEvents).Inc()
		return func() {}, apperr.RateLimited(wait)
	}
	release, wait, ok := s.limiter.OpenStream(h, userID, c.ClientIP())
	if !ok {
		telemetry.RateLimited.WithLabelValues(limitStreams).Inc()
		return func() {}, apperr.RateLimited(wait)
	}
	return release, nil
}

// requireJSON refuses a body other than JSON on a JSON route with 415
// before any work, whether or not the handler reads it: such a body is a
// form post from another site or a mistake (field notes B4).
func (s *server) requireJSON(c *gin.Context) {
	r := c.Request
	hasBody := r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
	if hasBody && !isJSONType(r.Header.Get("Content-Type")) {
		s.renderError(c, errUnsupportedJSON)
	}
}

// bodyMethod reports the methods whose requests carry a body.
func bodyMethod(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete
}

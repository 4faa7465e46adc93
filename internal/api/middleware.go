package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// Keys of values kept in the gin context.
const (
	principalKey = "fechatter.principal"
	bodyKey      = "fechatter.body"
)

// requestIDHeader carries the request id in both directions.
const requestIDHeader = "X-Request-ID"

// requestID adopts a sane incoming X-Request-ID (so a proxy's id follows
// the request) or makes a new one, and puts it on the response and the
// request context.
func (s *server) requestID(c *gin.Context) {
	id := c.GetHeader(requestIDHeader)
	if !telemetry.SaneRequestID(id) {
		id = telemetry.NewRequestID()
	}
	c.Header(requestIDHeader, id)
	c.Request = c.Request.WithContext(telemetry.WithRequestID(c.Request.Context(), id))
}

// accessLog writes one line per request once it is answered. Probes of
// /healthz and /readyz are logged at debug so they do not drown the rest.
func (s *server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	level := slog.LevelInfo
	if route == healthPath || route == readyPath {
		level = slog.LevelDebug
	}
	if route == "" {
		route = "unmatched"
	}
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", c.Writer.Status()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
		slog.String("ip", c.ClientIP()),
	}
	if q := scrubQuery(c.Request.URL.RawQuery); q != "" {
		attrs = append(attrs, slog.String("query", q))
	}
	s.log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
}

// maxLoggedQuery bounds the logged query string.
const maxLoggedQuery = 512

// loggedParams are the query parameters whose values reach the access log:
// paging, filters and the SSE resume point. Everything else (the search
// text q, SSE tickets, invite codes, anything a client made up) is logged
// by name only, as name=[redacted], so access logs hold neither message
// text nor a credential (ASVS 14.2.1).
var loggedParams = map[string]bool{
	"limit": true, "before_seq": true, "after_seq": true, "thread": true,
	"chat_id": true, "sender_id": true, "chat_type": true, "from": true, "to": true,
	"sort": true, "offset": true, "facets": true, "unread": true, "ban": true,
	"last_event_id": true,
}

// redactedValue stands in for a value that is not logged.
const redactedValue = "[redacted]"

// maxLoggedParamName bounds the name of a parameter logged without its
// value; a longer or odd name (a token sent as a bare key) is left out.
const maxLoggedParamName = 32

// scrubQuery returns raw with the values of every parameter outside
// loggedParams replaced by [redacted], keys sorted.
func scrubQuery(raw string) string {
	if raw == "" {
		return ""
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return "[unparseable]"
	}
	parts := make([]string, 0, len(vals))
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		switch {
		case loggedParams[k]:
			for _, v := range vals[k] {
				parts = append(parts, k+"="+url.QueryEscape(v))
			}
		case saneParamName(k):
			parts = append(parts, k+"="+redactedValue)
		}
	}
	q := strings.Join(parts, "&")
	if len(q) > maxLoggedQuery {
		q = q[:maxLoggedQuery] + "..."
	}
	return q
}

// saneParamName accepts 1 to 32 characters of [A-Za-z0-9._-]: a name a
// client chose, not a value sent in its place.
func saneParamName(k string) bool {
	return k != "" && len(k) <= maxLoggedParamName && strings.Trim(k,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
}

// recovery turns a panic in a handler into a 500 with the request id, and
// logs the panic with its stack.
func (s *server) recovery(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "api panic",
			slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
		s.renderError(c, fmt.Errorf("panic: %v", v))
	}()
	c.Next()
}

// securityHeaders sets the headers every API answer carries. File
// downloads replace the CSP and Cache-Control with their own.
func (s *server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	// Answers carry tokens and private messages: no shared or disk cache.
	h.Set("Cache-Control", "no-store")
}

// crossOrigin rejects cross-origin browser requests with unsafe methods
// (CSRF), using Go's http.CrossOriginProtection. It runs inside the engine
// rather than around it so a rejection gets the JSON error, the request id
// and an access log line like any other answer.
func (s *server) crossOrigin(c *gin.Context) {
	if err := s.cop.Check(c.Request); err != nil {
		s.renderError(c, apperr.Forbidden("cross-origin request rejected"))
	}
}

// limitedBody is a request body under http.MaxBytesReader that remembers
// whether the limit was hit, so the error renders as 413 however a reader
// further up wrapped it.
type limitedBody struct {
	io.ReadCloser
	hit bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && errors.As(err, &mbe) {
		b.hit = true
	}
	return n, err
}

// limitBody bounds the request body: Config.MaxBodyBytes, or the route's
// own limit (uploads). A declared length over it is refused at once.
func (s *server) limitBody(c *gin.Context) {
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		return
	}
	limit := s.cfg.MaxBodyBytes
	if l, ok := s.limits[c.FullPath()]; ok {
		limit = l
	}
	if c.Request.ContentLength > limit {
		s.renderError(c, errTooLarge)
		return
	}
	b := &limitedBody{ReadCloser: http.MaxBytesReader(rawWriter(c.Writer), c.Request.Body, limit)}
	c.Request.Body = b
	c.Set(bodyKey, b)
}

// rawWriter unwraps gin's writer so MaxBytesReader can tell net/http to
// close the connection after a body over the limit.
func rawWriter(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

// bodyLimitHit reports whether this request's body went over its limit.
func bodyLimitHit(c *gin.Context) bool {
	v, ok := c.Get(bodyKey)
	if !ok {
		return false
	}
	b, ok := v.(*limitedBody)
	return ok && b.hit
}

// requireAuth authenticates the bearer token and keeps the principal in
// the context; without a valid one the request ends with 401.
func (s *server) requireAuth(c *gin.Context) {
	token, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="fechatter"`)
		s.renderError(c, apperr.Unauthorized("missing or malformed bearer token"))
		return
	}
	p, err := s.auth.Authenticate(c.Request.Context(), token)
	if err != nil {
		if apperr.Is(err, apperr.KindUnauthorized) {
			c.Header("WWW-Authenticate", `Bearer realm="fechatter", error="invalid_token"`)
		}
		s.renderError(c, err)
		return
	}
	c.Set(principalKey, p)
	c.Set(emailGateKey, emailGate(s.chat.SeesEmails))
	telemetry.SetUserID(c.Request.Context(), p.UserID)
}

// bearerToken extracts the token of an "Authorization: Bearer" header; the
// scheme is case-insensitive (RFC 9110 §11.1).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// principal returns the authenticated caller; requireAuth ran before.
func principal(c *gin.Context) auth.Principal {
	v, _ := c.Get(principalKey)
	p, _ := v.(auth.Principal)
	return p
}

// userID returns the authenticated caller's user id.
func userID(c *gin.Context) int64 { return principal(c).UserID }

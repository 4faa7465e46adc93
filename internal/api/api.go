// Package api is Fechatter's REST layer: gin handlers, request decoding,
// response shapes, the one error-rendering path, the HTTP middleware that
// belongs to the API (request ids, access log, recovery, body limits,
// security headers, CSRF, bearer authentication) and the OpenAPI document.
//
// Handlers return errors; renderError turns them into the error body of
// API.md ("Conventions"). Every route is declared once, in a route table
// per endpoint family, together with its documentation, so the router and
// GET /api/openapi.json cannot drift apart.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/bot"
	"github.com/fechatter/fechatter/internal/integ"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// Default limits used when the Config leaves them zero.
const (
	// DefaultMaxBodyBytes is the default limit of a JSON request body.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxFileSize is the default limit of one uploaded file.
	DefaultMaxFileSize = 25 << 20
	// multipartSlack is what an upload request may carry beyond the file
	// itself: boundaries, part headers, other small fields.
	multipartSlack = 64 << 10
)

// Config holds the HTTP settings of the API.
type Config struct {
	// MaxBodyBytes limits every request body except uploads; larger bodies
	// get 413. Default 1 MiB.
	MaxBodyBytes int64
	// SecureCookies decides when the refresh cookie is Secure and named
	// with the __Host- prefix: CookiesAuto (per request: when it came over
	// TLS, or from a trusted proxy with X-Forwarded-Proto: https),
	// CookiesAlways or CookiesNever. Default CookiesAuto.
	SecureCookies CookieSecurity
	// TrustedProxies are the addresses or CIDRs of reverse proxies whose
	// X-Forwarded-For is believed for the client IP. Default none.
	TrustedProxies []string
	// ForwardedProtoChecked says a front (the appliance's edge) has removed
	// X-Forwarded-Proto from every request that did not come from a
	// trusted proxy, and put the client's address in RemoteAddr; then the
	// header, when present, is believed as it stands. Default false.
	ForwardedProtoChecked bool
	// MaxFileSize is the largest upload in bytes. Default 25 MiB.
	MaxFileSize int64
	// Version is the server version shown in the OpenAPI document.
	// Default "dev".
	Version string
	// Pprof serves the Go profiles under /debug/pprof/ to callers the
	// OperatorGate admits. Default false.
	Pprof bool
	// PublicURL returns the server's address with a trailing slash, the
	// start of every link the API hands out (mailed links, reset links);
	// a function because a listener on port 0 knows its address only once
	// bound. Default nil (links relative to the site root: "/").
	PublicURL func() string
}

// Validate reports what is wrong with c; the appliance calls it before New,
// which would otherwise fall back to trusting no proxy.
func (c Config) Validate() error {
	var errs []error
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("api max body bytes: %d is negative", c.MaxBodyBytes))
	}
	if c.MaxFileSize < 0 {
		errs = append(errs, fmt.Errorf("api max file size: %d is negative", c.MaxFileSize))
	}
	switch c.SecureCookies {
	case "", CookiesAuto, CookiesAlways, CookiesNever:
	default:
		errs = append(errs, fmt.Errorf("api secure cookies: %q is not auto, always or never", c.SecureCookies))
	}
	for _, p := range c.TrustedProxies {
		if !validProxy(p) {
			errs = append(errs, fmt.Errorf("api trusted proxy %q: not an IP address or CIDR", p))
		}
	}
	return errors.Join(errs...)
}

// validProxy reports whether p is an IP address or a CIDR, as gin accepts.
func validProxy(p string) bool {
	if strings.Contains(p, "/") {
		_, _, err := net.ParseCIDR(p)
		return err == nil
	}
	return net.ParseIP(p) != nil
}

// withDefaults fills the zero fields of c.
func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = DefaultMaxFileSize
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.SecureCookies == "" {
		c.SecureCookies = CookiesAuto
	}
	if c.PublicURL == nil {
		c.PublicURL = func() string { return "/" }
	}
	return c
}

// Deps is everything the API needs from the rest of the program.
type Deps struct {
	// Chat runs the use cases.
	Chat ChatService
	// Auth authenticates callers and manages sessions.
	Auth AuthService
	// Log receives the access log and error details; it should come from
	// telemetry.NewLogger so that lines carry the request id. Nil means
	// slog.Default() wrapped to add request ids.
	Log *slog.Logger
	// LogLevel is Log's run-time level (telemetry.LevelOf), which
	// PUT /api/admin/log-level sets; nil answers 503 there.
	LogLevel *slog.LevelVar
	// Events streams events over SSE; nil answers 503 on /api/events.
	Events EventService
	// Search answers searches; nil answers 503 on the search routes.
	Search SearchService
	// Assistant serves the assistant's settings and commands; nil answers
	// 503 on those routes.
	Assistant *bot.Service
	// Previews removes link previews and keeps the workspace switches;
	// PreviewImages proxies their images; nil answers 503 on those routes.
	Previews      PreviewService
	PreviewImages PreviewImages
	// Push handles Web Push subscriptions; nil answers 503 on its routes.
	Push PushService
	// Integrations serves webhooks and slash-command integrations; nil
	// answers 503 on their routes and runs no slash commands.
	Integrations *integ.Service
	// Tickets issues SSE tickets; nil answers 503.
	Tickets TicketService
	// Setup guards first-run setup with the setup token; nil refuses every
	// setup (403).
	Setup SetupGate
	// Limiter applies the rate limits (internal/gateway); nil means none.
	Limiter Limiter
	// Status computes GET /api/admin/status; nil answers 503.
	Status StatusService
	// Operator admits callers to /metrics and /debug/pprof; nil admits
	// no one (404).
	Operator OperatorGate
	// Ready names the components that are not ready; nil means always ready.
	Ready func(ctx context.Context) (notReady []string)
	// Mail sends account mails; nil (or not configured) means the server
	// has no SMTP relay.
	Mail MailService
	// Recovery runs password reset and email change; nil answers 503.
	Recovery RecoveryService
	// Digest is the email digest setting and unsubscribe; nil answers 503.
	Digest DigestService
	// Config holds the HTTP settings.
	Config Config
}

// server is the API: its dependencies and the gin engine serving them.
type server struct {
	chat      ChatService
	auth      AuthService
	events    EventService
	tickets   TicketService
	searchSvc SearchService
	statusSvc StatusService
	assistant *bot.Service
	// integrations: webhooks and slash commands; nil when off.
	integrations *integ.Service
	setupGate    SetupGate
	limiter      Limiter
	operator     OperatorGate
	log          *slog.Logger
	logLevel     *slog.LevelVar
	ready        func(ctx context.Context) []string
	cfg          Config
	engine       *gin.Engine
	cop          *http.CrossOriginProtection
	mail         MailService
	accounts     RecoveryService
	digest       DigestService
	// limits maps a route (gin path) to its own body limit.
	limits map[string]int64
	// openapi renders the document on first use (not at start: it is
	// ~10 ms of CPU that few servers ever need).
	openapi func() []byte
	// proxies are the parsed TrustedProxies, for secureRequest.
	proxies []netip.Prefix

	previews      PreviewService
	previewImages PreviewImages
	push          PushService
}

// New returns the API as an http.Handler serving every route of API.md
// built so far plus /healthz, /readyz and /api/openapi.json.
func New(d Deps) http.Handler { return newServer(d).engine }

// newServer builds the server; tests use it to reach the engine.
func newServer(d Deps) *server {
	// Debug mode prints every route to stdout; tests keep their test mode.
	if gin.Mode() == gin.DebugMode {
		gin.SetMode(gin.ReleaseMode)
	}
	s := &server{
		chat:         d.Chat,
		auth:         d.Auth,
		events:       d.Events,
		tickets:      d.Tickets,
		searchSvc:    d.Search,
		statusSvc:    d.Status,
		assistant:    d.Assistant,
		integrations: d.Integrations,
		setupGate:    d.Setup,
		limiter:      d.Limiter,
		operator:     d.Operator,
		log:          d.Log,
		logLevel:     d.LogLevel,
		ready:        d.Ready,
		cfg:          d.Config.withDefaults(),
		cop:          http.NewCrossOriginProtection(),

		previews: d.Previews, previewImages: d.PreviewImages, push: d.Push,
		mail:     d.Mail,
		accounts: d.Recovery,
		digest:   d.Digest,
	}
	if s.log == nil {
		s.log = slog.New(telemetry.NewContextHandler(slog.Default().Handler()))
	}
	s.proxies = parseProxies(s.cfg.TrustedProxies)
	s.limits = map[string]int64{uploadPath: s.cfg.MaxFileSize + multipartSlack, knowledgePath: knowledgeBodyLimit,
		avatarUploadPath: maxAvatarUpload + multipartSlack}
	s.engine = s.newEngine()
	s.register(s.routes())
	return s
}

// newEngine returns a gin engine with the API's settings and middleware.
func (s *server) newEngine() *gin.Engine {
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	e.TrustedPlatform = ""
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		// Fail closed: a bad entry must not make a forged X-Forwarded-For believed.
		s.log.Error("api: invalid trusted proxies, trusting none", slog.Any("error", err))
		_ = e.SetTrustedProxies(nil)
	}
	e.Use(s.requestID, s.traceRequest, s.observe, s.accessLog, s.recovery, s.securityHeaders, s.crossOrigin, s.limitBody)
	e.NoRoute(s.wrap(func(*gin.Context) error { return errNoRoute }))
	e.NoMethod(s.wrap(func(*gin.Context) error { return errNoMethod }))
	return e
}

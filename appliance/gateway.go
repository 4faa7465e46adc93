package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter/embedded/autotls"
	"github.com/fechatter/fechatter/internal/api"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/gateway"
	"github.com/fechatter/fechatter/internal/gateway/proxy"
	"github.com/fechatter/fechatter/internal/realtime"
)

// Gateway is `fechatter gateway`: one front door for the nodes of a
// cluster (docs/gateway.md). It proxies every request to a node chosen by
// rendezvous hashing on the request's verified user, checks the nodes'
// health and answers its own /healthz and /readyz. Start and Stop may be
// called from different goroutines; Stop is idempotent.
type Gateway struct {
	cfg   Config
	log   *slog.Logger
	proxy *proxy.Proxy

	http     *httpServer
	tls      atomic.Pointer[autotls.Server] // nil unless tls.* turns HTTPS on
	failed   chan error
	failOnce sync.Once
	stopOnce sync.Once
	stopErr  error
}

// NewGateway builds a gateway from cfg; nothing is started yet. log may be nil.
func NewGateway(cfg Config, log *slog.Logger) (*Gateway, error) {
	if err := cfg.ValidateGateway(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	pc := proxy.Config{
		Backends:       cfg.Gateway.Backends,
		HealthInterval: cfg.Gateway.HealthInterval,
		MaxBodyBytes:   cfg.Server.MaxBodyBytes,
		Log:            log.With("component", "gateway"),
	}
	if cfg.Gateway.Hash == GatewayHashUser {
		key, err := userKey([]byte(cfg.Auth.JWTSecret))
		if err != nil {
			return nil, err
		}
		pc.Key = key
	}
	p, err := proxy.New(pc)
	if err != nil {
		return nil, err
	}
	return &Gateway{cfg: cfg, log: log, proxy: p, failed: make(chan error, 1)}, nil
}

// eventsPath is the SSE route, the one that takes a ticket.
const eventsPath = "/api/events"

// userKey names a request's user for hashing: the subject of a valid
// access token, else the user of a valid SSE ticket on the events route.
// Both are verified with the cluster's secret, so a client cannot choose
// its node by writing someone else's id. A stream authenticated by the
// session cookie (an opaque refresh token, checkable only against the
// database) is hashed by client IP instead.
func userKey(secret []byte) (proxy.KeyFunc, error) {
	v, err := auth.NewAccessVerifier(auth.Config{SigningKey: secret})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return func(r *http.Request) (string, bool) {
		if tok, ok := bearerToken(r.Header.Get("Authorization")); ok {
			p, err := v.Verify(tok)
			return strconv.FormatInt(p.UserID, 10), err == nil
		}
		if r.URL.Path != eventsPath {
			return "", false
		}
		if t := r.URL.Query().Get("ticket"); t != "" {
			u, ok := realtime.TicketUser(secret, t, time.Now())
			return strconv.FormatInt(u, 10), ok
		}
		return "", false
	}, nil
}

// bearerToken extracts the token of an "Authorization: Bearer" header.
func bearerToken(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	return tok, ok && strings.EqualFold(scheme, "Bearer") && tok != ""
}

// Start checks the nodes once, then binds gateway.listen and serves; with
// tls.domains or tls.cert_file set it also serves HTTPS on
// tls.https_listen and challenges and redirects on tls.http_listen, as a
// node does (certificates under <data_dir>/certs).
func (g *Gateway) Start(ctx context.Context) error {
	if err := g.proxy.Start(ctx); err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	handler, err := g.handler()
	if err != nil {
		_ = g.proxy.Stop(ctx)
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", g.cfg.Gateway.Listen)
	if err != nil {
		_ = g.proxy.Stop(ctx)
		return fmt.Errorf("listen: %w", err)
	}
	h := &httpServer{
		srv: &http.Server{
			Handler:           handler,
			ReadHeaderTimeout: g.cfg.Server.ReadHeaderTimeout,
			IdleTimeout:       g.cfg.Server.IdleTimeout,
			MaxHeaderBytes:    int(g.cfg.Server.MaxHeaderBytes),
			ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	// Shutdown stops accepting, then waits for requests to end: event
	// streams never would, so they are ended (with a retry hint) first.
	h.srv.RegisterOnShutdown(g.proxy.Drain)
	g.http = h
	go g.serve(h) // ends when Stop shuts the server down
	if g.cfg.TLS.Enabled() {
		site := tlsSite{handler: handler, log: g.log, onShutdown: g.proxy.Drain, fail: g.fail}
		srv, err := startTLSServer(ctx, g.cfg, site)
		if err != nil {
			return errors.Join(err, g.Stop(ctx))
		}
		g.tls.Store(srv)
	}
	return nil
}

// fail reports the first broken listener on Failed.
func (g *Gateway) fail(err error) {
	g.failOnce.Do(func() { g.failed <- err })
}

func (g *Gateway) serve(h *httpServer) {
	defer close(h.done)
	if err := h.srv.Serve(h.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		g.fail(fmt.Errorf("gateway http server: %w", err))
	}
}

// Stop drains the gateway within server.shutdown_timeout (or ctx, if
// sooner): it stops accepting connections, ends open event streams with a
// retry hint so their clients reconnect elsewhere, lets other requests
// finish, then stops the health checks. It is idempotent.
func (g *Gateway) Stop(ctx context.Context) error {
	g.stopOnce.Do(func() {
		if srv := g.tls.Load(); srv != nil {
			g.stopErr = g.stopTLS(ctx, srv)
		}
		if g.http != nil {
			g.stopErr = errors.Join(g.stopErr, g.stopHTTP(ctx))
		}
		g.stopErr = errors.Join(g.stopErr, g.proxy.Stop(ctx))
	})
	return g.stopErr
}

func (g *Gateway) stopTLS(ctx context.Context, srv *autotls.Server) error {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		return fmt.Errorf("close gateway tls: %w", err)
	}
	return nil
}

func (g *Gateway) stopHTTP(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Server.ShutdownTimeout)
	defer cancel()
	err := g.http.srv.Shutdown(ctx)
	if err != nil {
		g.log.Warn("gateway shutdown did not finish in time; closing the remaining connections", "error", err)
		err = g.http.srv.Close()
	}
	<-g.http.done
	if err != nil {
		return fmt.Errorf("close gateway http server: %w", err)
	}
	return nil
}

// Addr is the address the gateway is bound to ("" before it starts).
func (g *Gateway) Addr() string {
	if g.http == nil {
		return ""
	}
	return g.http.addr()
}

// HTTPSAddr is the address HTTPS is served on ("" without TLS or before
// the start).
func (g *Gateway) HTTPSAddr() string {
	if srv := g.tls.Load(); srv != nil {
		return srv.HTTPSAddr()
	}
	return ""
}

// Failed delivers the error of the listener if it breaks while running;
// the caller should then Stop the gateway.
func (g *Gateway) Failed() <-chan error { return g.failed }

// handler serves the gateway's own probes and proxies everything else.
func (g *Gateway) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeGatewayHealth(w, http.StatusOK, gatewayHealth{Status: "ok"})
	})
	mux.HandleFunc("GET /readyz", g.readyz)
	proxied, err := g.edge(g.proxy)
	if err != nil {
		return nil, err
	}
	mux.Handle("/", proxied)
	return mux, nil
}

// edge wraps the proxy in the same edge as a node's (security headers,
// client IP, allowed and denied networks, URI limit, deadlines) and the
// per-IP rate limits of each request class, so that a refused request never
// reaches a node. Per-user budgets and stream caps stay with the nodes,
// which know the user.
func (g *Gateway) edge(next http.Handler) (http.Handler, error) {
	if g.cfg.Limits.Enabled {
		l, err := gateway.NewLimiter(g.cfg.Limits.gatewayConfig())
		if err != nil {
			return nil, fmt.Errorf("limits: %w", err)
		}
		next = l.Middleware(api.LimitClass, next)
	}
	e, err := newEdge(g.cfg, g.log)
	if err != nil {
		return nil, err
	}
	return e.Handler(next), nil
}

// gatewayHealth is the body of the gateway's /healthz and /readyz: the
// nodes' shape, plus every backend's state.
type gatewayHealth struct {
	Status   string           `json:"status"`
	NotReady []string         `json:"not_ready,omitempty"`
	Backends []gatewayBackend `json:"backends,omitempty"`
}

type gatewayBackend struct {
	URL   string `json:"url"`
	State string `json:"state"`
}

// readyz answers 200 while at least one node is up (answered its /readyz
// with 200 at the last check) and, with TLS on, a certificate is held;
// else 503 naming what is missing.
func (g *Gateway) readyz(w http.ResponseWriter, _ *http.Request) {
	body := gatewayHealth{Status: "ok"}
	up := false
	for _, b := range g.proxy.Backends() {
		body.Backends = append(body.Backends, gatewayBackend{URL: redactURL(b.URL), State: b.State.String()})
		if b.State == proxy.StateUp {
			up = true
		} else {
			body.NotReady = append(body.NotReady, "backend "+redactURL(b.URL))
		}
	}
	srv := g.tls.Load()
	tlsReady := !g.cfg.TLS.Enabled() || (srv != nil && srv.Ready() == nil)
	if !tlsReady {
		body.NotReady = append(body.NotReady, "tls")
	}
	status := http.StatusOK
	if !up || !tlsReady {
		body.Status, status = "unavailable", http.StatusServiceUnavailable
	} else {
		body.NotReady = nil // ready: the states say which nodes are out
	}
	writeGatewayHealth(w, status, body)
}

func writeGatewayHealth(w http.ResponseWriter, status int, body gatewayHealth) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

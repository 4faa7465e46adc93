// Package proxy is the cluster gateway's load balancer: a reverse proxy
// (net/http/httputil.ReverseProxy) in front of several `fechatter serve`
// nodes that sends each signed-in user to one node by rendezvous hashing,
// checks the nodes' health, retries idempotent requests once on the next
// node, streams SSE without buffering and, when draining, ends open
// streams with a retry hint so clients move.
//
// It knows nothing of Fechatter's tokens: the caller injects a KeyFunc
// that names the verified user of a request, so that this package imports
// no domain package (ARCHITECTURE.md §2).
package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// KeyFunc names the user a request is made by, as a hashing key, after
// verifying its credential; ok is false for an anonymous request or one
// whose credential does not verify, which is then hashed by client IP.
type KeyFunc func(r *http.Request) (key string, ok bool)

// Config configures a Proxy.
type Config struct {
	// Backends are the base URLs of the nodes (scheme and host only). Required.
	Backends []string
	// Key names a request's user. Nil hashes every request by client IP.
	Key KeyFunc
	// HealthPath is what the active check asks. Default "/readyz".
	HealthPath string
	// HealthInterval is how often every backend is checked. Default 2s.
	HealthInterval time.Duration
	// MaxBodyBytes bounds the request body kept in memory so that a
	// request can be retried on another node; a larger body is streamed
	// and never retried. Default 1 MiB.
	MaxBodyBytes int64
	// Transport carries requests to the backends. Default: a transport for
	// loopback and LAN peers (see newTransport).
	Transport http.RoundTripper
	// Log receives backend state changes and proxy errors. Default slog.Default().
	Log *slog.Logger
}

// Defaults of Config.
const (
	DefaultHealthPath     = "/readyz"
	DefaultHealthInterval = 2 * time.Second
	DefaultMaxBodyBytes   = 1 << 20
)

// Proxy is an http.Handler that forwards each request to a backend.
// Start begins the health checks; Drain ends open event streams; Stop
// ends the checks.
type Proxy struct {
	backends []*backend
	seeds    []uint64
	key      KeyFunc
	maxBody  int64
	log      *slog.Logger
	health   *healthChecker
	rp       *httputil.ReverseProxy

	// draining is cancelled by Drain: open event streams end at their next
	// event boundary.
	draining context.Context
	drain    context.CancelFunc
}

// New builds a Proxy from cfg; nothing runs until Start.
func New(cfg Config) (*Proxy, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Backends) == 0 {
		return nil, errors.New("gateway: no backends")
	}
	p := &Proxy{key: cfg.Key, maxBody: cfg.MaxBodyBytes, log: cfg.Log}
	seen := map[string]bool{}
	for _, raw := range cfg.Backends {
		b, err := newBackend(raw)
		if err != nil {
			return nil, err
		}
		if seen[b.name] {
			return nil, fmt.Errorf("gateway: backend %s is listed twice", b.name)
		}
		seen[b.name] = true
		p.backends = append(p.backends, b)
		p.seeds = append(p.seeds, b.seed)
	}
	p.draining, p.drain = context.WithCancel(context.Background())
	p.health = &healthChecker{
		backends: p.backends, path: cfg.HealthPath, interval: cfg.HealthInterval,
		client: &http.Client{Transport: cfg.Transport}, log: cfg.Log,
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      &retryTransport{p: p, next: cfg.Transport},
		FlushInterval:  -1, // SSE: every write reaches the client at once
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.proxyError,
		ErrorLog:       slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
	}
	return p, nil
}

func (c Config) withDefaults() Config {
	if c.HealthPath == "" {
		c.HealthPath = DefaultHealthPath
	}
	if c.HealthInterval <= 0 {
		c.HealthInterval = DefaultHealthInterval
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Transport == nil {
		c.Transport = newTransport()
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// newBackend parses a backend base URL: http or https, a host, no path.
func newBackend(raw string) (*backend, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("gateway: backend %q is not an http(s)://host:port URL", raw)
	}
	b := &backend{url: u, name: u.String(), seed: hashString(u.String())}
	b.state.Store(int32(StateDown)) // until the first check says otherwise
	return b, nil
}

// newTransport is http.DefaultTransport with a short dial timeout (a dead
// node should fail over fast) and enough idle connections per node for a
// busy gateway.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	return t
}

// Start checks every backend once, so the first requests already know
// which are up, then keeps checking every HealthInterval until Stop.
func (p *Proxy) Start(ctx context.Context) error {
	p.health.start(ctx)
	return nil
}

// Stop ends the health checks. It is idempotent.
func (p *Proxy) Stop(context.Context) error {
	p.health.stopLoop()
	p.drain()
	return nil
}

// Drain makes every open event stream end with a retry hint at its next
// event boundary (and every stream opened later at once), so that clients
// reconnect elsewhere. Call it when the server stops accepting connections.
func (p *Proxy) Drain() { p.drain() }

// BackendStatus is one backend and its state.
type BackendStatus struct {
	// URL is the backend's base URL.
	URL string
	// State is what the last check or request said.
	State State
}

// Backends reports every backend's state, in configuration order.
func (p *Proxy) Backends() []BackendStatus {
	out := make([]BackendStatus, len(p.backends))
	for i, b := range p.backends {
		out[i] = BackendStatus{URL: b.name, State: b.get()}
	}
	return out
}

// requestIDHeader carries the request id to the node and back.
const requestIDHeader = "X-Request-ID"

// ServeHTTP forwards r to the first usable backend of its key's order.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(requestIDHeader)
	if !telemetry.SaneRequestID(id) {
		id = telemetry.NewRequestID()
		r.Header.Set(requestIDHeader, id)
	}
	ctx, cancel := context.WithCancel(telemetry.WithRequestID(r.Context(), id))
	defer cancel()
	rt := &route{order: p.order(p.keyOf(r)), idempotent: isIdempotent(r.Method), cancel: cancel}
	if err := p.prepareBody(r, rt); err != nil {
		writeError(w, id, http.StatusBadRequest, "bad_request", "the request body could not be read")
		return
	}
	p.rp.ServeHTTP(w, r.WithContext(withRoute(ctx, rt)))
}

// keyOf is the hashing key of r: its verified user, else its client IP.
func (p *Proxy) keyOf(r *http.Request) string {
	if p.key != nil {
		if k, ok := p.key(r); ok {
			return "user:" + k
		}
	}
	return "ip:" + ClientIP(r)
}

// ClientIP is the address r came from: the gateway is the front door, so
// the peer address, never a header the client wrote.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// order is the key's rendezvous order over the backends, those in a
// better state first (up, then not ready, then down).
func (p *Proxy) order(key string) []*backend {
	idx := rank(p.seeds, key)
	out := make([]*backend, 0, len(idx))
	for _, s := range []State{StateUp, StateNotReady, StateDown} {
		for _, i := range idx {
			if p.backends[i].get() == s {
				out = append(out, p.backends[i])
			}
		}
	}
	return out
}

// rewrite points the outbound request at the route's first backend. The
// client's Host stays (the nodes' cross-origin check compares it with
// Origin); X-Forwarded-For/-Host/-Proto are set from the connection, the
// client's own X-Forwarded-* having been dropped by ReverseProxy.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	rt := routeOf(pr.In.Context())
	pr.SetURL(rt.order[0].url)
	pr.Out.Host = pr.In.Host
	pr.SetXForwarded()
}

// modifyResponse keeps one X-Request-ID and makes event streams drainable.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	resp.Header.Set(requestIDHeader, resp.Request.Header.Get(requestIDHeader))
	if isEventStream(resp.Header) {
		resp.Body = newDrainableStream(p.draining, resp.Body, routeOf(resp.Request.Context()).cancel)
	}
	return nil
}

func isEventStream(h http.Header) bool {
	ct := strings.ToLower(h.Get("Content-Type"))
	return strings.HasPrefix(ct, "text/event-stream")
}

// proxyError answers a request no backend could take.
func (p *Proxy) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	id := r.Header.Get(requestIDHeader)
	if r.Context().Err() != nil {
		return // the client went away; nobody to answer
	}
	p.log.LogAttrs(r.Context(), slog.LevelWarn, "gateway: no backend answered",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	writeError(w, id, http.StatusBadGateway, "bad_gateway", "no node of the cluster could answer; try again")
}

// apiError is the API's error body (API.md, "Errors").
type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// writeError writes the API's error shape.
func writeError(w http.ResponseWriter, id string, status int, code, msg string) {
	var body apiError
	body.Error.Code, body.Error.Message, body.Error.RequestID = code, msg, id
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(requestIDHeader, id)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// DefaultMaxURIBytes is the default longest request target (path and
// query) before 414.
const DefaultMaxURIBytes = 8 << 10

// EdgeConfig configures an Edge.
type EdgeConfig struct {
	// TrustedProxies are the IPs or CIDRs of reverse proxies whose
	// X-Forwarded-For or Forwarded is believed. Default none.
	TrustedProxies []string
	// AllowCIDRs, when not empty, are the only client networks served.
	AllowCIDRs []string
	// DenyCIDRs are client networks refused with 403; they win over
	// AllowCIDRs.
	DenyCIDRs []string
	// MaxURIBytes is the longest request target; longer gets 414. 0 means
	// DefaultMaxURIBytes.
	MaxURIBytes int
	// ReadTimeout bounds reading a request's body; 0 means none.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a non-streaming answer; 0 means none.
	WriteTimeout time.Duration
	// Streaming reports the long-lived requests (SSE) that get no
	// deadlines; nil means none.
	Streaming func(*http.Request) bool
	// Log receives one line per refused request at debug; nil means
	// slog.Default().
	Log *slog.Logger
}

// Edge is the filter in front of the whole server. See the package doc.
type Edge struct {
	cfg     EdgeConfig
	proxies Networks
	allow   Networks
	deny    Networks
}

// NewEdge returns an Edge for cfg, or an error naming a bad network.
func NewEdge(cfg EdgeConfig) (*Edge, error) {
	var e Edge
	var errs []error
	for _, n := range []struct {
		name string
		in   []string
		out  *Networks
	}{{"trusted proxies", cfg.TrustedProxies, &e.proxies}, {"allow", cfg.AllowCIDRs, &e.allow}, {"deny", cfg.DenyCIDRs, &e.deny}} {
		nets, err := ParseNetworks(n.in)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.name, err))
		}
		*n.out = nets
	}
	if cfg.MaxURIBytes < 0 || cfg.ReadTimeout < 0 || cfg.WriteTimeout < 0 {
		errs = append(errs, errors.New("limits and timeouts must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("edge: %w", err)
	}
	if cfg.MaxURIBytes == 0 {
		cfg.MaxURIBytes = DefaultMaxURIBytes
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	e.cfg = cfg
	return &e, nil
}

// ClientIP is the client address of r by the trusted proxies of e.
func (e *Edge) ClientIP(r *http.Request) string {
	a, ok := e.proxies.ClientIP(r)
	if !ok {
		return ""
	}
	return a.String()
}

// Handler returns next behind the edge's headers, filters and deadlines.
func (e *Edge) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecurityHeaders(w.Header())
		if peer, ok := peerAddr(r); !ok || !e.proxies.Contains(peer) {
			// Only a trusted proxy may say how the client reached it:
			// from anyone else these headers are forged (ASVS 4.1.3).
			r.Header.Del("X-Forwarded-Proto")
			r.Header.Del("X-Forwarded-Host")
		}
		ip, ok := e.proxies.ClientIP(r)
		if ok {
			// Everything behind (the API's ClientIP, its access log, the
			// limits) sees the client, not the proxy.
			r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
		}
		if e.denied(ip, ok) {
			e.refuse(w, r, http.StatusForbidden, "forbidden", "your network may not use this server")
			return
		}
		if len(r.RequestURI) > e.cfg.MaxURIBytes {
			e.refuse(w, r, http.StatusRequestURITooLong, "uri_too_long", "request URI too long")
			return
		}
		if e.cfg.Streaming == nil || !e.cfg.Streaming(r) {
			defer e.deadlines(w)()
		}
		next.ServeHTTP(w, r)
	})
}

// denied reports whether the client may not use the server. Without an
// address (not a TCP peer) only an allow list refuses.
func (e *Edge) denied(ip netip.Addr, ok bool) bool {
	if !ok {
		return len(e.allow) > 0
	}
	return e.deny.Contains(ip) || (len(e.allow) > 0 && !e.allow.Contains(ip))
}

// deadlines sets the request's read and write deadlines and returns what
// clears them: net/http keeps a write deadline on the connection for the
// next request of a keep-alive connection, which may be a stream.
func (e *Edge) deadlines(w http.ResponseWriter) (clear func()) {
	rc := http.NewResponseController(w)
	now := time.Now()
	if e.cfg.ReadTimeout > 0 {
		_ = rc.SetReadDeadline(now.Add(e.cfg.ReadTimeout))
	}
	if e.cfg.WriteTimeout > 0 {
		_ = rc.SetWriteDeadline(now.Add(e.cfg.WriteTimeout))
	}
	return func() {
		if e.cfg.WriteTimeout > 0 {
			_ = rc.SetWriteDeadline(time.Time{})
		}
	}
}

func (e *Edge) refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	id := WriteError(w, r, status, code, msg)
	e.cfg.Log.LogAttrs(r.Context(), slog.LevelDebug, "edge refused request",
		slog.Int("status", status), slog.String("ip", e.ClientIP(r)), slog.String("request_id", id))
}

// SecurityHeaders sets the headers every answer carries (OWASP HTTP
// headers cheat sheet; field notes B4). The API and the web app set a
// stricter Content-Security-Policy of their own over this one. HSTS is
// the TLS listener's to send.
func SecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

// WriteError answers with the API's error body (API.md "Conventions") and
// a new request id, which it returns.
func WriteError(w http.ResponseWriter, r *http.Request, status int, code, msg string) string {
	id := telemetry.RequestID(r.Context())
	if id == "" {
		id = telemetry.NewRequestID()
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg, "request_id": id}})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Request-ID", id)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
	return id
}

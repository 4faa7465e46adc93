package autotls

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/caddyserver/certmagic"
)

// hstsValue pins HTTPS for two years (OWASP HTTP headers cheat sheet).
// includeSubDomains is left out: sibling services under the chat host's
// name may not speak HTTPS, and HSTS would lock browsers out of them.
const hstsValue = "max-age=63072000"

// hsts adds Strict-Transport-Security to every answer. It wraps only the
// HTTPS server's handler, so the header is never sent over plain HTTP
// (RFC 6797 §7.2: a host must not send it over an insecure transport).
func hsts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", hstsValue)
		}
		next.ServeHTTP(w, r)
	})
}

// httpHandler serves the HTTP port: ACME HTTP-01 challenges first (never
// redirected), then a permanent redirect to HTTPS for a host whose
// certificate is held, and the application itself otherwise, so that the
// server stays usable while a certificate cannot be had.
func (s *Server) httpHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if certmagic.LooksLikeHTTPChallenge(r) {
			if s.acme == nil || !s.acme.handleChallenge(w, r) {
				http.NotFound(w, r)
			}
			return
		}
		host := hostOnly(r.Host)
		if host != "" && s.source.covers(host) {
			http.Redirect(w, r, s.httpsURL(host, r), http.StatusPermanentRedirect)
			return
		}
		s.cfg.Handler.ServeHTTP(w, r)
	})
}

// httpsURL is r's URL on the HTTPS port of host.
func (s *Server) httpsURL(host string, r *http.Request) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if s.httpsPort != 443 {
		host += ":" + strconv.Itoa(s.httpsPort)
	}
	return "https://" + host + r.URL.RequestURI()
}

// hostOnly strips the port from a Host header.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// CookieSecurity says when the refresh cookie is Secure (and carries the
// __Host- prefix, which requires Secure).
type CookieSecurity string

// Values of Config.SecureCookies.
const (
	// CookiesAuto decides per request: Secure when the request came over
	// TLS, or from a trusted proxy that says X-Forwarded-Proto: https.
	CookiesAuto CookieSecurity = "auto"
	// CookiesAlways marks every cookie Secure, e.g. behind a TLS proxy
	// that is not listed in TrustedProxies.
	CookiesAlways CookieSecurity = "always"
	// CookiesNever never does: plain-HTTP development only.
	CookiesNever CookieSecurity = "never"
)

// parseProxies turns the validated TrustedProxies into prefixes; entries
// that do not parse are left out (Validate reports them).
func parseProxies(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range list {
		if pfx, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pfx.Masked())
		} else if a, err := netip.ParseAddr(p); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out
}

// secureRequest reports whether cookies set on this request's answer are
// Secure: under CookiesAuto, whether the browser reached us over HTTPS.
func (s *server) secureRequest(c *gin.Context) bool {
	switch s.cfg.SecureCookies {
	case CookiesAlways:
		return true
	case CookiesNever:
		return false
	}
	r := c.Request
	if r.TLS != nil {
		return true
	}
	return (s.cfg.ForwardedProtoChecked || s.fromTrustedProxy(r)) && forwardedHTTPS(r.Header)
}

// fromTrustedProxy reports whether the direct peer is a trusted proxy.
func (s *server) fromTrustedProxy(r *http.Request) bool {
	if len(s.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedHTTPS reads the scheme the first proxy saw: the first entry of
// X-Forwarded-Proto.
func forwardedHTTPS(h http.Header) bool {
	first, _, _ := strings.Cut(h.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(first), "https")
}

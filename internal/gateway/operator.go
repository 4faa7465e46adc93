package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// DefaultAdminCIDRs are the networks admitted to the operator endpoints
// when none are configured: loopback only.
var DefaultAdminCIDRs = []string{"127.0.0.0/8", "::1/128"}

// OperatorGuard decides who may reach the operator endpoints (/metrics,
// /debug/pprof): a client in the admin networks, or one that presents the
// metrics token as a bearer token. Everyone else is told the endpoint does
// not exist (404), so a scan learns nothing. The client address is the one
// the trusted proxies vouch for, as for every other rule of the edge.
type OperatorGuard struct {
	proxies Networks
	allow   Networks
	// tokenSum is the SHA-256 of the token, nil when there is none;
	// comparing fixed-size sums in constant time leaks neither the token
	// nor its length.
	tokenSum []byte
}

// NewOperatorGuard returns a guard admitting allowCIDRs (IPs or CIDRs) and
// holders of token ("" admits no one by token). trustedProxies are the
// proxies whose X-Forwarded-For is believed.
func NewOperatorGuard(trustedProxies, allowCIDRs []string, token string) (*OperatorGuard, error) {
	proxies, err := ParseNetworks(trustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	allow, err := ParseNetworks(allowCIDRs)
	if err != nil {
		return nil, fmt.Errorf("admin networks: %w", err)
	}
	g := &OperatorGuard{proxies: proxies, allow: allow}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		g.tokenSum = sum[:]
	}
	return g, nil
}

// FromAdminNetwork reports whether r's client is in the admin networks.
func (g *OperatorGuard) FromAdminNetwork(r *http.Request) bool {
	ip, ok := g.proxies.ClientIP(r)
	return ok && g.allow.Contains(ip)
}

// HasToken reports whether r carries "Authorization: Bearer <token>".
func (g *OperatorGuard) HasToken(r *http.Request) bool {
	if g.tokenSum == nil {
		return false
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], g.tokenSum) == 1
}

// Admit reports whether r may reach an operator endpoint.
func (g *OperatorGuard) Admit(r *http.Request) bool {
	return g.FromAdminNetwork(r) || g.HasToken(r)
}

// Handler serves next to admitted requests and answers the API's 404 to
// the rest.
func (g *OperatorGuard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.Admit(r) {
			WriteError(w, r, http.StatusNotFound, "not_found", "no such route")
			return
		}
		next.ServeHTTP(w, r)
	})
}

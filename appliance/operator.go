package appliance

import (
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/gateway"
	"github.com/fechatter/fechatter/internal/netguard"
)

// validateOperator checks the keys of the operator endpoints.
func (c Config) validateOperator(ck *checker) {
	for _, p := range c.Admin.AllowCIDRs {
		if !validIPOrPrefix(p) {
			ck.fail("admin.allow_cidrs", "%q is not an IP address or CIDR", p)
		}
	}
	if _, err := netguard.ParsePrefixes(c.Outbound.AllowCIDRs); err != nil {
		ck.fail("outbound.allow_cidrs", "%v", err)
	}
	if t := c.Metrics.Token; t != "" && len(t) < auth.MinSetupTokenLen {
		ck.fail("metrics.token", "must be at least %d characters (got %d)", auth.MinSetupTokenLen, len(t))
	}
}

// operatorGuard admits callers to /metrics and /debug/pprof: the admin
// networks (as the trusted proxies report the client) or the metrics
// token.
func (c Config) operatorGuard() (*gateway.OperatorGuard, error) {
	return gateway.NewOperatorGuard(c.Server.TrustedProxies, c.Admin.AllowCIDRs, c.Metrics.Token)
}

// outboundPolicy is the SSRF policy of every request the server makes to
// a URL a user gave: public addresses, plus outbound.allow_cidrs.
func (c Config) outboundPolicy() netguard.Policy {
	allow, _ := netguard.ParsePrefixes(c.Outbound.AllowCIDRs) // validated at load
	return netguard.Policy{Allow: allow}
}

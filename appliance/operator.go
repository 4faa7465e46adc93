package appliance

import (
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/gateway"
)

// validateOperator checks the keys of the operator endpoints.
func (c Config) validateOperator(ck *checker) {
	for _, p := range c.Admin.AllowCIDRs {
		if !validIPOrPrefix(p) {
			ck.fail("admin.allow_cidrs", "%q is not an IP address or CIDR", p)
		}
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

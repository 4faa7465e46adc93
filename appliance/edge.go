package appliance

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/fechatter/fechatter/internal/api"
	"github.com/fechatter/fechatter/internal/gateway"
)

// defaultLimits are budgets the web app never meets in normal use: a
// person typing fast, a page loading, reconnects after a network change.
// They equal gateway.DefaultClasses (a test keeps them so).
func defaultLimits() LimitsConfig {
	return LimitsConfig{
		Enabled:        true,
		Auth:           IPBudget{PerIP: 60, Window: time.Minute},
		Writes:         Budget{PerUser: 600, PerIP: 6000, Window: time.Minute},
		Reads:          Budget{PerUser: 1200, PerIP: 12000, Window: time.Minute},
		Search:         Budget{PerUser: 300, PerIP: 3000, Window: time.Minute},
		Events:         Budget{PerUser: 120, PerIP: 1200, Window: time.Minute},
		StreamsPerUser: 20,
		StreamsPerIP:   500,
		MaxKeys:        100_000,
	}
}

func (s ServerConfig) validateEdge(ck *checker) {
	for key, list := range map[string][]string{"server.allow_cidrs": s.AllowCIDRs, "server.deny_cidrs": s.DenyCIDRs} {
		for _, p := range list {
			if !validIPOrPrefix(p) {
				ck.fail(key, "%q is not an IP address or CIDR", p)
			}
		}
	}
	if s.ReadHeaderTimeout <= 0 {
		ck.fail("server.read_header_timeout", "must be positive")
	}
	if s.ReadTimeout < 0 {
		ck.fail("server.read_timeout", "must not be negative (0 means none)")
	}
	if s.WriteTimeout < 0 {
		ck.fail("server.write_timeout", "must not be negative (0 means none)")
	}
	if s.IdleTimeout <= 0 {
		ck.fail("server.idle_timeout", "must be positive")
	}
	if s.MaxHeaderBytes < 4096 {
		ck.fail("server.max_header_bytes", "must be at least 4096")
	}
	if s.MaxURIBytes <= 0 || s.MaxURIBytes > s.MaxHeaderBytes {
		ck.fail("server.max_uri_bytes", "must be positive and at most server.max_header_bytes")
	}
}

func (l LimitsConfig) validate(ck *checker) {
	budgets := map[string]Budget{
		"limits.auth":   {PerIP: l.Auth.PerIP, Window: l.Auth.Window},
		"limits.writes": l.Writes, "limits.reads": l.Reads, "limits.search": l.Search, "limits.events": l.Events,
	}
	for key, b := range budgets {
		if b.PerUser < 0 {
			ck.fail(key+".per_user", "must not be negative (0 means no limit)")
		}
		if b.PerIP < 0 {
			ck.fail(key+".per_ip", "must not be negative (0 means no limit)")
		}
		if b.Window <= 0 {
			ck.fail(key+".window", "must be positive")
		}
	}
	if l.StreamsPerUser < 0 {
		ck.fail("limits.streams_per_user", "must not be negative (0 means no cap)")
	}
	if l.StreamsPerIP < 0 {
		ck.fail("limits.streams_per_ip", "must not be negative (0 means no cap)")
	}
	if l.MaxKeys <= 0 {
		ck.fail("limits.max_keys", "must be positive")
	}
}

// gatewayConfig is the limiter's configuration.
func (l LimitsConfig) gatewayConfig() gateway.Config {
	class := func(b Budget) gateway.Class {
		return gateway.Class{
			PerUser: gateway.Policy{Quota: b.PerUser, Window: b.Window},
			PerIP:   gateway.Policy{Quota: b.PerIP, Window: b.Window},
		}
	}
	return gateway.Config{
		Classes: map[string]gateway.Class{
			gateway.ClassAuth:   {PerIP: gateway.Policy{Quota: l.Auth.PerIP, Window: l.Auth.Window}},
			gateway.ClassWrites: class(l.Writes),
			gateway.ClassReads:  class(l.Reads),
			gateway.ClassSearch: class(l.Search),
			gateway.ClassEvents: class(l.Events),
		},
		StreamsPerUser: int(l.StreamsPerUser),
		StreamsPerIP:   int(l.StreamsPerIP),
		MaxKeys:        int(l.MaxKeys),
	}
}

// limiter is the API's rate limiter, or nil when limits are off.
func (c Config) limiter() (api.Limiter, error) {
	if !c.Limits.Enabled {
		return nil, nil
	}
	l, err := gateway.NewLimiter(c.Limits.gatewayConfig())
	if err != nil {
		return nil, err
	}
	return l, nil
}

// withEdge puts the edge filter in front of the whole server: security
// headers, the client IP from trusted proxies, allowed and denied
// networks, the URI limit, and deadlines for every request but the event
// stream (whose answer is endless).
func (a *Appliance) withEdge(next http.Handler) (http.Handler, error) {
	edge, err := newEdge(a.cfg, a.log)
	if err != nil {
		return nil, err
	}
	return edge.Handler(next), nil
}

// newEdge builds the edge filter of a node or of the gateway from cfg.
func newEdge(cfg Config, log *slog.Logger) (*gateway.Edge, error) {
	s := cfg.Server
	edge, err := gateway.NewEdge(gateway.EdgeConfig{
		TrustedProxies: s.TrustedProxies,
		AllowCIDRs:     s.AllowCIDRs,
		DenyCIDRs:      s.DenyCIDRs,
		MaxURIBytes:    int(s.MaxURIBytes),
		ReadTimeout:    s.ReadTimeout,
		WriteTimeout:   s.WriteTimeout,
		Streaming:      func(r *http.Request) bool { return r.URL.Path == api.StreamPath },
		Log:            log.With("component", "edge"),
	})
	if err != nil {
		return nil, fmt.Errorf("edge: %w", err)
	}
	return edge, nil
}

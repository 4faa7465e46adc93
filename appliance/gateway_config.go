package appliance

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// GatewayConfig configures `fechatter gateway`: a reverse proxy in front
// of the `fechatter serve` nodes of a cluster. The nodes ignore it.
type GatewayConfig struct {
	// Listen is the host:port the gateway serves HTTP on: the address
	// clients use, so it is the port a single node would have. Default ":8080".
	Listen string `yaml:"listen"`
	// Backends are the base URLs of the nodes, e.g. http://10.0.0.1:8080
	// (required by the gateway). Default [].
	Backends []string `yaml:"backends"`
	// Hash is what picks a request's node: user (the verified user of the
	// access token or SSE ticket, the client IP for anonymous requests) or
	// ip (always the client IP). Default "user".
	Hash string `yaml:"hash"`
	// HealthInterval is how often every node's /readyz is asked. Default 2s.
	HealthInterval time.Duration `yaml:"health_interval"`
}

// Values of GatewayConfig.Hash.
const (
	GatewayHashUser = "user"
	GatewayHashIP   = "ip"
)

func defaultGateway() GatewayConfig {
	return GatewayConfig{Listen: ":8080", Hash: GatewayHashUser, HealthInterval: 2 * time.Second}
}

// minHealthInterval keeps the checks from flooding the nodes.
const minHealthInterval = 100 * time.Millisecond

// validate checks the keys' form; whether the gateway can run (backends
// given, the signing key set) is ValidateGateway's question.
func (g GatewayConfig) validate(ck *checker) {
	ck.check("gateway.listen", checkHostPort(g.Listen))
	for _, b := range g.Backends {
		ck.check("gateway.backends", checkBackend(b))
	}
	if dup := duplicateBackend(g.Backends); dup != "" {
		ck.fail("gateway.backends", "%q is listed twice", redactURL(dup))
	}
	switch g.Hash {
	case GatewayHashUser, GatewayHashIP:
	default:
		ck.fail("gateway.hash", "%q is not one of user, ip", g.Hash)
	}
	if g.HealthInterval < minHealthInterval {
		ck.fail("gateway.health_interval", "must be at least %s", minHealthInterval)
	}
}

// checkBackend accepts http(s)://host:port with nothing after it.
func checkBackend(s string) error {
	if err := checkHTTPURL(s); err != nil {
		return err
	}
	u, _ := url.Parse(s)
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q must be a base URL (scheme, host and port only)", redactURL(s))
	}
	return nil
}

// duplicateBackend returns a backend listed twice (ignoring a final "/").
func duplicateBackend(backends []string) string {
	seen := map[string]bool{}
	for _, b := range backends {
		k := strings.TrimSuffix(b, "/")
		if seen[k] {
			return b
		}
		seen[k] = true
	}
	return ""
}

// ValidateGateway is Validate for a configuration that runs the gateway:
// it also needs backends and, to verify tokens for hashing by user, the
// cluster's auth.jwt_secret.
func (c Config) ValidateGateway() error {
	var ck checker
	if len(c.Gateway.Backends) == 0 {
		ck.fail("gateway.backends", "the gateway needs the base URLs of the nodes, e.g. http://10.0.0.1:8080")
	}
	if c.Gateway.Hash == GatewayHashUser && c.Auth.JWTSecret == "" && c.Auth.JWTSecretFile == "" {
		ck.fail("auth.jwt_secret", "the gateway verifies tokens to hash by user: set the nodes' shared secret (or gateway.hash: ip)")
	}
	// The cluster section configures nodes: one config file or environment
	// shared by the nodes and the gateway must not fail the gateway for
	// lack of this node's cluster.listen.
	node := c
	node.Cluster.Routes = nil
	// So is server.listen: the gateway binds gateway.listen instead, which
	// must not be one of its TLS ports (":0" is never taken to collide).
	node.Server.Listen = ":0"
	c.validateListeners(&ck, "gateway.listen", c.Gateway.Listen)
	return errors.Join(append(unjoin(node.Validate()), ck.errs...)...)
}

// unjoin returns the errors err joins (err itself if it joins none).
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}

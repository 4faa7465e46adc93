package appliance

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestGatewayConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(c *Config)
		gateway bool // check with ValidateGateway
		keys    []string
	}{
		{name: "defaults are valid for a node", mutate: func(*Config) {}},
		{name: "bad listen", mutate: func(c *Config) { c.Gateway.Listen = "gateway" }, keys: []string{"gateway.listen"}},
		{name: "backend without scheme", mutate: func(c *Config) { c.Gateway.Backends = []string{"10.0.0.1:8080"} }, keys: []string{"gateway.backends"}},
		{name: "backend with a path", mutate: func(c *Config) { c.Gateway.Backends = []string{"http://10.0.0.1:8080/api"} }, keys: []string{"gateway.backends"}},
		{name: "backend twice", mutate: func(c *Config) { c.Gateway.Backends = []string{"http://a:1", "http://a:1/"} }, keys: []string{"gateway.backends"}},
		{name: "unknown hash", mutate: func(c *Config) { c.Gateway.Hash = "cookie" }, keys: []string{"gateway.hash"}},
		{name: "interval too short", mutate: func(c *Config) { c.Gateway.HealthInterval = time.Millisecond }, keys: []string{"gateway.health_interval"}},
		{name: "gateway without backends or secret", gateway: true, mutate: func(*Config) {}, keys: []string{"gateway.backends", "auth.jwt_secret"}},
		{name: "gateway hashing by ip needs no secret", gateway: true, mutate: func(c *Config) {
			c.Gateway.Backends, c.Gateway.Hash = []string{"http://10.0.0.1:8080"}, GatewayHashIP
		}},
		{name: "gateway sharing the nodes' environment", gateway: true, mutate: func(c *Config) {
			c.Gateway.Backends, c.Auth.JWTSecret = []string{"http://10.0.0.1:8080"}, "s3cret-s3cret-s3cret-s3cret-s3cret"
			c.Cluster.Routes = []string{"nats-route://10.0.0.1:6222", "nats-route://10.0.0.2:6222"} // no cluster.listen: a node's
		}},
		{name: "gateway listen on its own https port", gateway: true, mutate: func(c *Config) {
			c.Gateway.Backends, c.Gateway.Hash, c.TLS.Domains = []string{"http://10.0.0.1:8080"}, GatewayHashIP, []string{"chat.example.com"}
			c.Gateway.Listen = c.TLS.HTTPSListen
		}, keys: []string{"tls.https_listen"}},
		{name: "gateway TLS ignores a node's server.listen", gateway: true, mutate: func(c *Config) {
			c.Gateway.Backends, c.Gateway.Hash, c.TLS.Domains = []string{"http://10.0.0.1:8080"}, GatewayHashIP, []string{"chat.example.com"}
			c.Server.Listen = c.TLS.HTTPSListen
		}},
		{name: "gateway TLS needs both files", gateway: true, mutate: func(c *Config) {
			c.Gateway.Backends, c.Gateway.Hash, c.TLS.CertFile = []string{"http://10.0.0.1:8080"}, GatewayHashIP, "/etc/gw.pem"
		}, keys: []string{"tls.key_file"}},
		{name: "gateway keeps the node checks", gateway: true, mutate: func(c *Config) {
			c.Gateway.Backends, c.Auth.JWTSecret, c.Log.Level = []string{"https://n1.internal:8443/"}, "s3cret-s3cret-s3cret-s3cret-s3cret", "loud"
		}, keys: []string{"log.level"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			tc.mutate(&cfg)
			validate := cfg.Validate
			if tc.gateway {
				validate = cfg.ValidateGateway
			}
			if got := fieldKeys(validate()); !slices.Equal(got, tc.keys) {
				t.Fatalf("error keys = %v, want %v (err: %v)", got, tc.keys, validate())
			}
		})
	}
}

// accessToken signs a token the way internal/auth does (see tokens.go);
// the gateway must accept exactly those.
func accessToken(t *testing.T, key string, user int64) string {
	t.Helper()
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "fechatter", "aud": []string{"fechatter-api"}, "sub": strconv.FormatInt(user, 10),
		"exp": now.Add(time.Minute).Unix(), "iat": now.Unix(), "sid": 1, "iat_ms": now.UnixMilli(),
	})
	tok.Header["typ"] = "at+jwt"
	s, err := tok.SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGatewayUserKey(t *testing.T) {
	const secret = "the cluster's shared secret, 32+ bytes"
	key, err := userKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, auth, path string
		user             string
		ok               bool
	}{
		{"a valid token", "Bearer " + accessToken(t, secret, 42), "/api/me", "42", true},
		{"scheme in any case", "bearer " + accessToken(t, secret, 7), "/api/me", "7", true},
		{"a token of another key", "Bearer " + accessToken(t, "another secret of 32 or more bytes!", 42), "/api/me", "", false},
		{"garbage", "Bearer x.y.z", "/api/me", "", false},
		{"anonymous", "", "/api/auth/signin", "", false},
		{"a made-up ticket", "", "/api/events?ticket=AAAA", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			user, ok := key(r)
			if ok != tc.ok || ok && user != tc.user {
				t.Fatalf("key = %q, %v; want %q, %v", user, ok, tc.user, tc.ok)
			}
		})
	}
}

func TestGatewayReadyz(t *testing.T) {
	var notReady atomic.Bool
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if notReady.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer node.Close()
	cfg := Default()
	cfg.Gateway.Listen, cfg.Gateway.Backends, cfg.Gateway.Hash = "127.0.0.1:0", []string{node.URL}, GatewayHashIP
	cfg.Gateway.HealthInterval = minHealthInterval
	g, err := NewGateway(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = g.Stop(context.Background()) }()
	check := func(want int, state string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get("http://" + g.Addr() + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			var body gatewayHealth
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode == want && len(body.Backends) == 1 && body.Backends[0].State == state {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz = %d %+v, want %d with the node %s", resp.StatusCode, body, want, state)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	check(http.StatusOK, "up")
	notReady.Store(true)
	check(http.StatusServiceUnavailable, "not ready")
}

func TestNodeHeaderOnlyInACluster(t *testing.T) {
	cfg := Default()
	if n := cfg.clusterNodeName(); n != "" {
		t.Fatalf("a single node names itself %q", n)
	}
	cfg.Cluster.Routes, cfg.Cluster.NodeName = []string{"nats-route://10.0.0.2:6222"}, "node-a"
	rec := httptest.NewRecorder()
	withNodeHeader(cfg.clusterNodeName(), http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := rec.Header().Get(NodeHeader); got != "node-a" {
		t.Fatalf("%s = %q, want node-a", NodeHeader, got)
	}
}

// TestGatewayEdge: the gateway answers with the edge's security headers,
// refuses a client over its per-IP budget of a class with 429 before any
// node sees the request, and refuses denied networks.
func TestGatewayEdge(t *testing.T) {
	var reached atomic.Int64
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			reached.Add(1)
		}
	}))
	defer node.Close()
	start := func(edit func(*Config)) *Gateway {
		cfg := Default()
		cfg.Gateway.Listen, cfg.Gateway.Backends, cfg.Gateway.Hash = "127.0.0.1:0", []string{node.URL}, GatewayHashIP
		edit(&cfg)
		return startTestGateway(t, cfg)
	}
	g := start(func(cfg *Config) { cfg.Limits.Search.PerIP = 2 })
	codes := []int{}
	for range 3 {
		resp, err := http.Get("http://" + g.Addr() + "/api/workspaces/1/search?q=x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("answer %d has no security headers", resp.StatusCode)
		}
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if codes[0] != http.StatusOK || codes[1] != http.StatusOK || codes[2] != http.StatusTooManyRequests || reached.Load() != 2 {
		t.Fatalf("codes %v, node reached %d times; want 200, 200, 429 and 2", codes, reached.Load())
	}
	denied := start(func(cfg *Config) { cfg.Server.DenyCIDRs = []string{"127.0.0.0/8"} })
	resp, err := http.Get("http://" + denied.Addr() + "/api/workspaces")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("denied network: %d, want 403", resp.StatusCode)
	}
}

// startTestGateway starts a gateway on cfg, stopped when the test ends.
func startTestGateway(t *testing.T, cfg Config) *Gateway {
	t.Helper()
	g, err := NewGateway(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Stop(context.Background()) })
	return g
}

// Package natsd runs nats-server with JetStream inside the Fechatter process:
// the event stream behind delivery, replay, indexing and the assistant.
//
// By default it opens no TCP port at all (clients connect in-process). A
// client listener (for external workers) and a cluster listener (for
// scale-out) are opened only when configured, and both require credentials.
package natsd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Config configures the embedded server.
type Config struct {
	// StoreDir holds JetStream data; it must be set (nats-server would
	// otherwise fall back to the OS temp dir). Default: <data>/nats.
	StoreDir string
	// ServerName must be unique within a cluster. Default: "fechatter".
	ServerName string
	// MaxMemory bounds JetStream memory storage in bytes. Default: 64 MiB.
	MaxMemory int64
	// MaxStore bounds JetStream file storage in bytes. Default: 10 GiB.
	MaxStore int64
	// SyncAlways fsyncs every write before it is acknowledged. Default:
	// false, JetStream's own: writes reach the OS at once and are synced
	// every 2 minutes.
	SyncAlways bool
	// Listen is host:port for external NATS clients; empty opens no port.
	// Default: "".
	Listen string
	// User and Password protect Listen; both are required when Listen is set.
	User, Password string
	// Cluster joins this node to others; zero value means single node.
	Cluster ClusterConfig
	// ReadyTimeout bounds how long Start waits for the server. Default: 10s.
	ReadyTimeout time.Duration
	// Log receives the server's log lines. Default: slog.Default().
	Log *slog.Logger
}

// ClusterConfig configures NATS routes between Fechatter nodes.
type ClusterConfig struct {
	// Name is the cluster name, the same on every node. Default: "".
	Name string
	// Listen is host:port for routes from other nodes. Default: "".
	Listen string
	// Routes are the other nodes' route addresses (host:port or nats-route:// URLs).
	Routes []string
	// User and Password authenticate routes; required when clustering.
	User, Password string
}

// Enabled reports whether clustering is configured.
func (c ClusterConfig) Enabled() bool { return c.Name != "" || c.Listen != "" || len(c.Routes) > 0 }

// Server is an embedded nats-server.
type Server struct {
	cfg Config
	// user and pass authenticate this process's own connections.
	user, pass string
	mu         sync.Mutex
	ns         *server.Server
	stop       bool
}

// New validates cfg and returns a server that is not started yet.
func New(cfg Config) (*Server, error) {
	if cfg.ServerName == "" {
		cfg.ServerName = "fechatter"
	}
	if cfg.MaxMemory == 0 {
		cfg.MaxMemory = 64 << 20
	}
	if cfg.MaxStore == 0 {
		cfg.MaxStore = 10 << 30
	}
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, user: cfg.User, pass: cfg.Password}
	if s.user == "" && cfg.Cluster.Enabled() {
		s.user, s.pass = "fechatter-local", randomSecret()
	}
	return s, nil
}

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (c Config) validate() error {
	var errs []error
	if c.StoreDir == "" {
		errs = append(errs, errors.New("natsd: store dir is required"))
	}
	if c.Listen != "" && (c.User == "" || c.Password == "") {
		errs = append(errs, errors.New("natsd: a client listener requires a user and password"))
	}
	if c.Cluster.Enabled() {
		if c.Cluster.Name == "" || c.Cluster.Listen == "" {
			errs = append(errs, errors.New("natsd: clustering requires a cluster name and listen address"))
		}
		if c.Cluster.User == "" || c.Cluster.Password == "" {
			errs = append(errs, errors.New("natsd: clustering requires route credentials"))
		}
	}
	return errors.Join(errs...)
}

// Options translates the configuration into nats-server options.
func (s *Server) Options() (*server.Options, error) {
	c := s.cfg
	o := &server.Options{
		ServerName:         c.ServerName,
		JetStream:          true,
		StoreDir:           c.StoreDir,
		JetStreamMaxMemory: c.MaxMemory,
		JetStreamMaxStore:  c.MaxStore,
		SyncAlways:         c.SyncAlways,
		NoSigs:             true,
		DontListen:         c.Listen == "",
		MaxPayload:         8 << 20,
	}
	if c.Listen != "" {
		host, port, err := splitHostPort(c.Listen)
		if err != nil {
			return nil, fmt.Errorf("natsd: listen: %w", err)
		}
		o.Host, o.Port = host, port
		o.Username, o.Password = c.User, c.Password
	}
	if c.Cluster.Enabled() {
		if err := clusterOptions(o, c.Cluster); err != nil {
			return nil, err
		}
		if c.Listen == "" {
			// A clustered server does not finish starting without a client
			// accept loop; give it a loopback port on a random number,
			// protected by credentials only this process knows.
			o.DontListen = false
			o.Host, o.Port = "127.0.0.1", -1
			o.Username, o.Password = s.user, s.pass
		}
	}
	return o, nil
}

func clusterOptions(o *server.Options, c ClusterConfig) error {
	host, port, err := splitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("natsd: cluster listen: %w", err)
	}
	o.Cluster = server.ClusterOpts{
		Name: c.Name, Host: host, Port: port,
		Username: c.User, Password: c.Password,
		ConnectRetries: 120, PoolSize: -1,
	}
	for _, r := range c.Routes {
		u, err := routeURL(r, c.User, c.Password)
		if err != nil {
			return err
		}
		o.Routes = append(o.Routes, u)
	}
	return nil
}

func routeURL(raw, user, password string) (*url.URL, error) {
	if _, _, err := net.SplitHostPort(raw); err == nil {
		raw = "nats-route://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("natsd: bad route %q", raw)
	}
	if u.User == nil {
		u.User = url.UserPassword(user, password)
	}
	return u, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return host, port, nil
}

// Start runs the server and waits until it accepts connections and
// JetStream is enabled.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ns != nil {
		return nil
	}
	opts, err := s.Options()
	if err != nil {
		return err
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("natsd: new server: %w", err)
	}
	ns.SetLoggerV2(logBridge{s.cfg.Log}, false, false, false)
	go ns.Start() // owned: stopped by Shutdown in Stop
	if !ns.ReadyForConnections(s.cfg.ReadyTimeout) {
		go ns.Shutdown() // may block while Start is still running; do not wait on it
		return errors.New("natsd: server not ready for connections in time")
	}
	s.ns = ns
	return s.waitJetStream(ctx)
}

func (s *Server) waitJetStream(ctx context.Context) error {
	deadline := time.Now().Add(s.cfg.ReadyTimeout)
	for !s.ns.JetStreamEnabled() {
		if time.Now().After(deadline) {
			return errors.New("natsd: jetstream not enabled in time")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// Stop shuts the server down and waits for it. It is idempotent.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	ns := s.ns
	s.ns, s.stop = nil, true
	s.mu.Unlock()
	if ns == nil {
		return nil
	}
	done := make(chan struct{})
	go func() { ns.Shutdown(); ns.WaitForShutdown(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("natsd: shutdown: %w", ctx.Err())
	}
}

// Ready reports nil when the server accepts connections with JetStream on.
func (s *Server) Ready(context.Context) error {
	s.mu.Lock()
	ns := s.ns
	s.mu.Unlock()
	switch {
	case ns == nil:
		return errors.New("nats not running")
	case !ns.Running() || !ns.JetStreamEnabled():
		return errors.New("nats jetstream not ready")
	}
	return nil
}

// Connect opens an in-process client connection (no TCP involved).
func (s *Server) Connect(opts ...nats.Option) (*nats.Conn, error) {
	s.mu.Lock()
	ns := s.ns
	s.mu.Unlock()
	if ns == nil {
		return nil, errors.New("natsd: not running")
	}
	all := []nats.Option{nats.InProcessServer(ns), nats.Name("fechatter"), nats.MaxReconnects(-1)}
	if s.user != "" {
		all = append(all, nats.UserInfo(s.user, s.pass))
	}
	all = append(all, opts...)
	nc, err := nats.Connect("", all...)
	if err != nil {
		return nil, fmt.Errorf("natsd: connect in-process: %w", err)
	}
	return nc, nil
}

// Raw exposes the underlying server (nil when stopped), for status pages and tests.
func (s *Server) Raw() *server.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ns
}

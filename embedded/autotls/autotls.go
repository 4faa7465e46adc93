// Package autotls serves HTTPS for Fechatter: certificates obtained and
// renewed by ACME through certmagic (HTTP-01 on the HTTP port, TLS-ALPN-01
// on the HTTPS port), or an operator's own certificate files reloaded when
// they change. The HTTP port answers ACME challenges and redirects to
// HTTPS once a certificate for the host is held; until then it serves the
// application, so a CA that cannot be reached never takes the server down.
package autotls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// LetsEncrypt's ACME directories: production is the default CA; staging
// issues untrusted certificates under far higher rate limits, for trying
// a setup out.
const (
	LetsEncryptProduction = certmagic.LetsEncryptProductionCA
	LetsEncryptStaging    = certmagic.LetsEncryptStagingCA
)

// DefaultReloadInterval is how often own certificate files are checked
// for changes.
const DefaultReloadInterval = 5 * time.Second

// HTTP server timeouts, as the main listener's: no write timeout, since
// event streams are long.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
)

// Config configures the HTTPS listeners. Either Domains (ACME) or
// CertFile and KeyFile (own certificate) must be set.
type Config struct {
	// Domains get certificates from the ACME CA.
	Domains []string
	// Email is the ACME account's contact address; may be empty.
	Email string
	// CA is the ACME directory URL. Default LetsEncryptProduction.
	CA string
	// CARootFile is a PEM file of root certificates to trust for the CA's
	// own HTTPS endpoint (a private ACME CA); empty trusts the system's.
	CARootFile string
	// CertFile and KeyFile are PEM files of an own certificate chain and
	// its key; set, they replace ACME and are reloaded when they change.
	CertFile, KeyFile string
	// HTTPListen is the host:port of the HTTP port (challenges, redirects).
	HTTPListen string
	// HTTPSListen is the host:port HTTPS is served on.
	HTTPSListen string
	// Dir holds certificates and the ACME account when Storage is nil.
	Dir string
	// Storage holds certificates, the ACME account and the locks that let
	// several nodes share them; nil means files under Dir.
	Storage certmagic.Storage
	// Handler serves the application on both ports.
	Handler http.Handler
	// Log receives certmagic's log and this package's; nil means slog.Default().
	Log *slog.Logger
	// OnShutdown runs when the servers begin to shut down (end long
	// streams there, or Shutdown waits for them).
	OnShutdown func()
	// Fail is told when a listener breaks after the start; may be nil.
	Fail func(error)
	// ReloadInterval is how often own certificate files are checked.
	// Default DefaultReloadInterval.
	ReloadInterval time.Duration
}

// validate reports what makes c unusable.
func (c Config) validate() error {
	own := c.CertFile != "" || c.KeyFile != ""
	switch {
	case c.Handler == nil:
		return errors.New("autotls: no handler")
	case own && (c.CertFile == "" || c.KeyFile == ""):
		return errors.New("autotls: set both the certificate and the key file")
	case own && len(c.Domains) > 0:
		return errors.New("autotls: domains (ACME) and an own certificate exclude each other")
	case !own && len(c.Domains) == 0:
		return errors.New("autotls: no domains and no certificate")
	case !own && c.Storage == nil && c.Dir == "":
		return errors.New("autotls: no storage for certificates")
	}
	return nil
}

// Server is the HTTP and HTTPS listeners and the certificate source.
type Server struct {
	cfg    Config
	log    *slog.Logger
	source certSource
	acme   *acmeSource // nil with an own certificate

	http, https *http.Server
	httpLn      net.Listener
	httpsLn     net.Listener
	httpsPort   int

	// tweakIssuer lets tests restrict the challenge types.
	tweakIssuer func(*certmagic.ACMEIssuer)

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
	stopErr  error
}

// certSource is where the HTTPS certificates come from.
type certSource interface {
	// start begins obtaining or loading certificates; it must not block
	// on the network.
	start(ctx context.Context) error
	// tlsConfig is the server's TLS configuration.
	tlsConfig() *tls.Config
	// covers reports whether a certificate for host is held.
	covers(host string) bool
	// ready reports what certificate is still missing.
	ready() error
	// stop releases what start took.
	stop()
	// expiry is when each certificate in service expires, by name.
	expiry() map[string]time.Time
}

// New checks cfg and prepares the server; nothing is bound yet.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ReloadInterval <= 0 {
		cfg.ReloadInterval = DefaultReloadInterval
	}
	if cfg.CA == "" {
		cfg.CA = LetsEncryptProduction
	}
	s := &Server{cfg: cfg, log: cfg.Log.With("component", "tls")}
	if cfg.CertFile != "" {
		s.source = newOwnCert(cfg.CertFile, cfg.KeyFile, cfg.ReloadInterval, s.log)
	}
	return s, nil
}

// Start binds both ports (a taken port fails the start), serves on them
// and starts obtaining or loading certificates in the background. A CA
// that cannot be reached does not fail the start: Ready says so.
func (s *Server) Start(ctx context.Context) error {
	if err := s.listen(ctx); err != nil {
		return err
	}
	if s.source == nil {
		acme, err := s.newACME()
		if err != nil {
			s.closeListeners()
			return err
		}
		s.acme, s.source = acme, acme
		if s.tweakIssuer != nil {
			s.tweakIssuer(acme.issuer)
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if err := s.source.start(runCtx); err != nil {
		cancel()
		s.closeListeners()
		return err
	}
	s.serve()
	return nil
}

// listen binds the HTTP and HTTPS ports.
func (s *Server) listen(ctx context.Context) error {
	var lc net.ListenConfig
	var err error
	if s.httpLn, err = lc.Listen(ctx, "tcp", s.cfg.HTTPListen); err != nil {
		return fmt.Errorf("listen http: %w", err)
	}
	if s.httpsLn, err = lc.Listen(ctx, "tcp", s.cfg.HTTPSListen); err != nil {
		_ = s.httpLn.Close()
		return fmt.Errorf("listen https: %w", err)
	}
	s.httpsPort = portOf(s.httpsLn)
	return nil
}

func (s *Server) closeListeners() {
	_ = s.httpLn.Close()
	_ = s.httpsLn.Close()
}

// serve starts one goroutine per port; Stop waits for them.
func (s *Server) serve() {
	errLog := slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	s.http = &http.Server{
		Handler: s.httpHandler(), ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout, ErrorLog: errLog,
	}
	tlsCfg := s.source.tlsConfig()
	s.https = &http.Server{
		Handler: hsts(s.cfg.Handler), TLSConfig: tlsCfg,
		ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout, ErrorLog: errLog,
	}
	if s.cfg.OnShutdown != nil {
		s.https.RegisterOnShutdown(s.cfg.OnShutdown)
		s.http.RegisterOnShutdown(s.cfg.OnShutdown)
	}
	s.wg.Add(2)
	go s.run("http", func() error { return s.http.Serve(s.httpLn) })
	go s.run("https", func() error { return s.https.Serve(tls.NewListener(s.httpsLn, tlsCfg)) })
}

func (s *Server) run(name string, serve func() error) {
	defer s.wg.Done()
	if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) && s.cfg.Fail != nil {
		s.cfg.Fail(fmt.Errorf("%s server: %w", name, err))
	}
}

// Stop shuts both servers down within ctx, then closes what remains, and
// stops certificate management. It is idempotent.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *Server) stop(ctx context.Context) error {
	if s.cancel == nil {
		return nil // never started
	}
	var errs []error
	for _, srv := range []*http.Server{s.http, s.https} {
		if err := srv.Shutdown(ctx); err != nil {
			s.log.Warn("tls: shutdown did not finish in time; closing the remaining connections", "error", err)
			errs = append(errs, srv.Close())
		}
	}
	s.wg.Wait()
	s.cancel()
	s.source.stop()
	return errors.Join(errs...)
}

// Ready reports why HTTPS cannot be served yet (nil: a certificate is
// held for every domain).
func (s *Server) Ready() error {
	if s.source == nil {
		return errors.New("not started")
	}
	return s.source.ready()
}

// HTTPAddr is the address the HTTP port is bound to ("" before Start).
func (s *Server) HTTPAddr() string { return addrOf(s.httpLn) }

// HTTPSAddr is the address the HTTPS port is bound to ("" before Start).
func (s *Server) HTTPSAddr() string { return addrOf(s.httpsLn) }

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

// loadRoots reads the PEM roots that the CA's endpoint is trusted by.
func loadRoots(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read ca root file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("ca root file %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// portOf returns the port of a bound listener.
func portOf(ln net.Listener) int {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

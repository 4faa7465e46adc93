package autotls

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3"
)

// acmeSource obtains and renews certificates with certmagic.
type acmeSource struct {
	domains []string
	cache   *certmagic.Cache
	magic   *certmagic.Config
	issuer  *certmagic.ACMEIssuer
	log     *slog.Logger
}

// newACME builds certmagic's cache, config and ACME issuer. The issuer
// solves HTTP-01 and TLS-ALPN-01 on the ports this server has bound, so
// certmagic serves no listener of its own.
func (s *Server) newACME() (*acmeSource, error) {
	roots, err := loadRoots(s.cfg.CARootFile)
	if err != nil {
		return nil, err
	}
	storage := s.cfg.Storage
	if storage == nil {
		storage = &certmagic.FileStorage{Path: s.cfg.Dir}
	}
	zl := newZapLogger(s.log)
	src := &acmeSource{domains: normalize(s.cfg.Domains), log: s.log}
	src.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return src.magic, nil },
		Logger:           zl,
	})
	src.magic = certmagic.New(src.cache, certmagic.Config{
		Storage:           storage,
		Logger:            zl,
		DefaultServerName: src.domains[0],
		OnEvent:           src.onEvent,
	})
	host, _, _ := net.SplitHostPort(s.cfg.HTTPListen)
	src.issuer = certmagic.NewACMEIssuer(src.magic, certmagic.ACMEIssuer{
		CA:             s.cfg.CA,
		Email:          s.cfg.Email,
		Agreed:         true,
		ListenHost:     host,
		AltHTTPPort:    portOf(s.httpLn),
		AltTLSALPNPort: portOf(s.httpsLn),
		TrustedRoots:   roots,
		Logger:         zl,
	})
	src.magic.Issuers = []certmagic.Issuer{src.issuer}
	return src, nil
}

// normalize lowercases the domains.
func normalize(domains []string) []string {
	out := make([]string, len(domains))
	for i, d := range domains {
		out[i] = strings.ToLower(strings.TrimSpace(d))
	}
	return out
}

func (a *acmeSource) start(ctx context.Context) error {
	if err := a.magic.ManageAsync(ctx, a.domains); err != nil {
		return fmt.Errorf("manage certificates: %w", err)
	}
	return nil
}

func (a *acmeSource) tlsConfig() *tls.Config {
	cfg := a.magic.TLSConfig()
	// h2 and http/1.1 for browsers; acme-tls/1 for the TLS-ALPN challenge.
	cfg.NextProtos = []string{"h2", "http/1.1", acmez.ACMETLS1Protocol}
	cfg.MinVersion = tls.VersionTLS12
	return cfg
}

// covers reports whether host is one of the domains and its certificate
// is in the cache.
func (a *acmeSource) covers(host string) bool {
	host = strings.ToLower(host)
	for _, d := range a.domains {
		if d == host {
			return a.held(d)
		}
	}
	return false
}

// held reports whether an unexpired certificate for domain is cached.
func (a *acmeSource) held(domain string) bool {
	for _, c := range a.cache.AllMatchingCertificates(domain) {
		if !c.Expired() {
			return true
		}
	}
	return false
}

func (a *acmeSource) ready() error {
	var missing []string
	for _, d := range a.domains {
		if !a.held(d) {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no certificate yet for %s (see the log)", strings.Join(missing, ", "))
	}
	return nil
}

func (a *acmeSource) stop() { a.cache.Stop() }

// handleChallenge answers an HTTP-01 challenge, from this node or, through
// the shared storage, from another node of the cluster.
func (a *acmeSource) handleChallenge(w http.ResponseWriter, r *http.Request) bool {
	return a.issuer.HandleHTTPChallenge(w, r)
}

// onEvent logs the outcome of each certificate operation in one line an
// operator can find without reading certmagic's debug output.
func (a *acmeSource) onEvent(_ context.Context, event string, data map[string]any) error {
	switch event {
	case "cert_obtained":
		a.log.Info("tls: certificate obtained", "identifier", data["identifier"], "renewal", data["renewal"])
	case "cert_failed":
		a.log.Error("tls: could not obtain a certificate; serving HTTP meanwhile and retrying with backoff",
			"identifier", data["identifier"], "renewal", data["renewal"], "error", data["error"])
	case "cached_managed_cert":
		a.log.Info("tls: certificate loaded from storage", "sans", data["sans"])
	}
	return nil
}

package autotls

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ownCert serves an operator's certificate from two PEM files and reloads
// it when either file changes. A pair that does not load (missing, half
// written, key not matching) keeps the previous certificate in service
// and is tried again at the next check.
type ownCert struct {
	certFile, keyFile string
	every             time.Duration
	log               *slog.Logger

	current atomic.Pointer[loadedCert]
	// seen is the state of the files at the last attempt, so that a
	// failure is logged once per change rather than at every check.
	seen    fileState
	lastErr error

	stopOnce sync.Once
	done     chan struct{}
	cancel   context.CancelFunc
}

// loadedCert is a parsed certificate with its leaf.
type loadedCert struct {
	cert  *tls.Certificate
	leaf  *x509.Certificate
	state fileState
}

// fileState identifies the contents of the two files: a digest, so a
// rewrite is seen whatever happens to the modification times.
type fileState [sha256.Size]byte

func newOwnCert(certFile, keyFile string, every time.Duration, log *slog.Logger) *ownCert {
	return &ownCert{certFile: certFile, keyFile: keyFile, every: every, log: log, done: make(chan struct{})}
}

// start loads the files once (a failure is logged and leaves the source
// not ready) and watches them until stop.
func (o *ownCert) start(ctx context.Context) error {
	o.check()
	ctx, o.cancel = context.WithCancel(ctx)
	go o.watch(ctx)
	return nil
}

func (o *ownCert) watch(ctx context.Context) {
	defer close(o.done)
	t := time.NewTicker(o.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			o.check()
		}
	}
}

func (o *ownCert) stop() {
	o.stopOnce.Do(func() {
		if o.cancel != nil {
			o.cancel()
			<-o.done
		}
	})
}

// check reloads the pair when the files differ from the one in service.
func (o *ownCert) check() {
	certPEM, keyPEM, st, err := o.read()
	if cur := o.current.Load(); err == nil && cur != nil && cur.state == st {
		return
	}
	if err == nil {
		var lc *loadedCert
		if lc, err = load(certPEM, keyPEM, st); err == nil {
			o.current.Store(lc)
			o.seen, o.lastErr = st, nil
			o.log.Info("tls: certificate loaded", "file", o.certFile, "names", lc.leaf.DNSNames, "not_after", lc.leaf.NotAfter)
			return
		}
	}
	if st != o.seen || o.lastErr == nil || err.Error() != o.lastErr.Error() {
		o.log.Error("tls: cannot load the certificate files; keeping the one in service", "error", err)
	}
	o.seen, o.lastErr = st, err
}

// read returns the two files' contents and their digest.
func (o *ownCert) read() (certPEM, keyPEM []byte, st fileState, err error) {
	if certPEM, err = os.ReadFile(o.certFile); err != nil {
		return nil, nil, st, fmt.Errorf("certificate file: %w", err)
	}
	if keyPEM, err = os.ReadFile(o.keyFile); err != nil {
		return nil, nil, st, fmt.Errorf("key file: %w", err)
	}
	h := sha256.New()
	h.Write(certPEM)
	h.Write([]byte{0})
	h.Write(keyPEM)
	h.Sum(st[:0])
	return certPEM, keyPEM, st, nil
}

func load(certPEM, keyPEM []byte, st fileState) (*loadedCert, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load key pair: %w", err)
	}
	if cert.Leaf == nil {
		return nil, errors.New("load key pair: no leaf certificate")
	}
	return &loadedCert{cert: &cert, leaf: cert.Leaf, state: st}, nil
}

func (o *ownCert) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := o.current.Load(); c != nil {
				return c.cert, nil
			}
			return nil, errors.New("no certificate loaded")
		},
	}
}

// covers reports whether the certificate in service is valid for host.
func (o *ownCert) covers(host string) bool {
	c := o.current.Load()
	return c != nil && time.Now().Before(c.leaf.NotAfter) && c.leaf.VerifyHostname(host) == nil
}

func (o *ownCert) ready() error {
	c := o.current.Load()
	switch {
	case c == nil:
		return fmt.Errorf("no certificate loaded from %s (see the log)", o.certFile)
	case time.Now().After(c.leaf.NotAfter):
		return fmt.Errorf("the certificate from %s expired at %s", o.certFile, c.leaf.NotAfter.Format(time.RFC3339))
	}
	return nil
}

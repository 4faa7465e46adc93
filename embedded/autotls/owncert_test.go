package autotls

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/embedded/autotls/acmetest"
)

// TestOwnCertificate: the operator's certificate is served and replaced
// when its files change; a broken replacement keeps the old one.
func TestOwnCertificate(t *testing.T) {
	const name = "own.fechatter.test"
	ca := acmetest.NewLocalCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.Issue(t, name, 100, certFile, keyFile)
	logs := &syncBuffer{}
	s := startServer(t, Config{
		CertFile: certFile, KeyFile: keyFile, Handler: app, ReloadInterval: 20 * time.Millisecond,
		HTTPListen: "127.0.0.1:0", HTTPSListen: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(logs, nil)),
	}, nil)
	if err := s.Ready(); err != nil {
		t.Fatalf("Ready after loading: %v", err)
	}
	if got, err := acmetest.ServedSerial(s.HTTPSAddr(), name, ca.Pool); err != nil || got != 100 {
		t.Fatalf("served serial %d, %v; want 100", got, err)
	}

	ca.Issue(t, name, 200, certFile, keyFile)
	eventually(t, "reloaded certificate", 10*time.Second, func() error {
		got, err := acmetest.ServedSerial(s.HTTPSAddr(), name, ca.Pool)
		if err == nil && got != 200 {
			err = fmt.Errorf("serial %d", got)
		}
		return err
	})

	acmetest.WriteAtomic(t, certFile, []byte("not a certificate"))
	eventually(t, "a log line about the broken file", 10*time.Second, func() error {
		if !strings.Contains(logs.String(), "cannot load the certificate files") {
			return fmt.Errorf("not in %q", logs.String())
		}
		return nil
	})
	if got, err := acmetest.ServedSerial(s.HTTPSAddr(), name, ca.Pool); err != nil || got != 200 {
		t.Errorf("after a broken rewrite: serial %d, %v; want 200 kept", got, err)
	}
	if err := s.Ready(); err != nil {
		t.Errorf("Ready with the old certificate kept: %v", err)
	}

	// HTTP redirects for the certificate's name only.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for host, want := range map[string]int{name: http.StatusPermanentRedirect, "other.fechatter.test": http.StatusOK} {
		req, _ := http.NewRequest("GET", "http://"+s.HTTPAddr()+"/", nil)
		req.Host = host
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("http for %s: %d, want %d", host, res.StatusCode, want)
		}
	}
}

// TestOwnCertificateMissing: missing files do not fail the start; the
// server is not ready until they appear.
func TestOwnCertificateMissing(t *testing.T) {
	const name = "late.fechatter.test"
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	s := startServer(t, Config{
		CertFile: certFile, KeyFile: keyFile, Handler: app, ReloadInterval: 20 * time.Millisecond,
		HTTPListen: "127.0.0.1:0", HTTPSListen: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, nil)
	if err := s.Ready(); err == nil || !strings.Contains(err.Error(), "no certificate loaded") {
		t.Fatalf("Ready without files = %v", err)
	}
	ca := acmetest.NewLocalCA(t)
	ca.Issue(t, name, 7, certFile, keyFile)
	eventually(t, "ready once the files exist", 10*time.Second, s.Ready)
	if got, err := acmetest.ServedSerial(s.HTTPSAddr(), name, ca.Pool); err != nil || got != 7 {
		t.Errorf("served serial %d, %v", got, err)
	}
}

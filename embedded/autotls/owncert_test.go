package autotls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA signs leaf certificates for the own-certificate tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue writes a leaf for name with serial into certFile and keyFile,
// through a rename so the reader never sees half a file.
func (ca *testCA) issue(t *testing.T, name string, serial int64, certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	writeAtomic(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	writeAtomic(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func writeAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// servedSerial connects to addr as name and returns the leaf's serial.
func servedSerial(addr, name string, roots *x509.CertPool) (int64, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{ServerName: name, RootCAs: roots})
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64(), nil
}

// TestOwnCertificate: the operator's certificate is served and replaced
// when its files change; a broken replacement keeps the old one.
func TestOwnCertificate(t *testing.T) {
	const name = "own.fechatter.test"
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.issue(t, name, 100, certFile, keyFile)
	logs := &syncBuffer{}
	s := startServer(t, Config{
		CertFile: certFile, KeyFile: keyFile, Handler: app, ReloadInterval: 20 * time.Millisecond,
		HTTPListen: "127.0.0.1:0", HTTPSListen: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(logs, nil)),
	}, nil)
	if err := s.Ready(); err != nil {
		t.Fatalf("Ready after loading: %v", err)
	}
	if got, err := servedSerial(s.HTTPSAddr(), name, ca.pool); err != nil || got != 100 {
		t.Fatalf("served serial %d, %v; want 100", got, err)
	}

	ca.issue(t, name, 200, certFile, keyFile)
	eventually(t, "reloaded certificate", 10*time.Second, func() error {
		got, err := servedSerial(s.HTTPSAddr(), name, ca.pool)
		if err == nil && got != 200 {
			err = fmt.Errorf("serial %d", got)
		}
		return err
	})

	writeAtomic(t, certFile, []byte("not a certificate"))
	eventually(t, "a log line about the broken file", 10*time.Second, func() error {
		if !strings.Contains(logs.String(), "cannot load the certificate files") {
			return fmt.Errorf("not in %q", logs.String())
		}
		return nil
	})
	if got, err := servedSerial(s.HTTPSAddr(), name, ca.pool); err != nil || got != 200 {
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
	ca := newTestCA(t)
	ca.issue(t, name, 7, certFile, keyFile)
	eventually(t, "ready once the files exist", 10*time.Second, s.Ready)
	if got, err := servedSerial(s.HTTPSAddr(), name, ca.pool); err != nil || got != 7 {
		t.Errorf("served serial %d, %v", got, err)
	}
}

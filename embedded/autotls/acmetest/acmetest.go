// Package acmetest runs a real ACME CA for tests: Pebble, Let's Encrypt's
// test CA, in process on loopback ports, with a DNS server that resolves
// every name to 127.0.0.1 so that Pebble's validation authority reaches
// the server under test for HTTP-01 and TLS-ALPN-01 challenges.
package acmetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// CA is a running Pebble.
type CA struct {
	// DirectoryURL is the ACME directory.
	DirectoryURL string
	// RootFile is a PEM file with the certificate of the ACME endpoint's
	// own HTTPS server: what a client must trust to talk to the CA.
	RootFile string
	// HTTPPort and TLSPort are the loopback ports Pebble validates HTTP-01
	// and TLS-ALPN-01 challenges on: the server under test listens there.
	HTTPPort, TLSPort int

	acme, mgmt *httptest.Server
}

// Start runs Pebble until the test ends. Validation is immediate
// (PEBBLE_VA_NOSLEEP) but real: Pebble connects to 127.0.0.1 on HTTPPort
// or TLSPort and checks the answer.
func Start(t testing.TB) *CA {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	logger := log.New(newTestWriter(t), "pebble ", 0)
	resolver := startDNS(t)
	c := &CA{HTTPPort: FreePort(t), TLSPort: FreePort(t)}
	store := db.NewMemoryStore()
	profiles := map[string]ca.Profile{"default": {Description: "test profile"}}
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, profiles)
	validator := va.New(logger, c.HTTPPort, c.TLSPort, false, resolver, store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)

	c.acme = httptest.NewTLSServer(front.Handler())
	t.Cleanup(c.acme.Close)
	c.mgmt = httptest.NewTLSServer(front.ManagementHandler())
	t.Cleanup(c.mgmt.Close)
	c.DirectoryURL = c.acme.URL + wfe.DirectoryPath
	c.RootFile = filepath.Join(t.TempDir(), "acme-endpoint.pem")
	writePEM(t, c.RootFile, c.acme.Certificate())
	return c
}

// StopACME takes the ACME endpoint down (the management endpoint stays):
// the directory URL then refuses connections, as a CA that is down does.
func (c *CA) StopACME() { c.acme.Close() }

// Roots fetches the root that Pebble issues certificates under, from its
// management endpoint, as a pool to verify served certificates with.
func (c *CA) Roots(t testing.TB) *x509.CertPool {
	t.Helper()
	res, err := c.mgmt.Client().Get(c.mgmt.URL + wfe.RootCertPath + "0")
	if err != nil {
		t.Fatalf("fetch pebble root: %v", err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("fetch pebble root: %d %v", res.StatusCode, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatalf("pebble root is not PEM: %q", data)
	}
	return pool
}

// HTTPSClient returns a client that trusts only roots, resolves every
// name to 127.0.0.1 and speaks HTTP/2 when offered; it does not follow
// redirects.
func HTTPSClient(roots *x509.CertPool) *http.Client {
	dialer := &net.Dialer{}
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// startDNS serves DNS over TCP on loopback (Pebble's resolver uses TCP):
// every A question is answered 127.0.0.1, everything else is empty.
func startDNS(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(answerLoopback)}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return ln.Addr().String()
}

func answerLoopback(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	for _, question := range q.Question {
		if question.Qtype == dns.TypeA {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.IPv4(127, 0, 0, 1),
			})
		}
	}
	_ = w.WriteMsg(m)
}

func writePEM(t testing.TB, path string, cert *x509.Certificate) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// testWriter sends Pebble's log to the test log until the test ends
// (Pebble's goroutines may log later, which testing does not allow).
type testWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func newTestWriter(t testing.TB) *testWriter {
	w := &testWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return w
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf("%s", p)
	}
	return len(p), nil
}

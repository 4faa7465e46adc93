package appliance

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/embedded/autotls/acmetest"
	"github.com/fechatter/fechatter/internal/testproc"
)

// tlsBackend is a stand-in node: ready, and echoing the scheme the
// gateway forwarded.
func tlsBackend(t *testing.T) *httptest.Server {
	t.Helper()
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "node saw %s %s", r.Header.Get("X-Forwarded-Proto"), r.URL.Path)
	}))
	t.Cleanup(node.Close)
	return node
}

// startTLSGateway starts a gateway hashing by IP in front of node.
func startTLSGateway(t *testing.T, cfg Config, node *httptest.Server) *Gateway {
	t.Helper()
	cfg.DataDir = t.TempDir()
	cfg.Gateway.Listen, cfg.Gateway.Backends, cfg.Gateway.Hash = "127.0.0.1:0", []string{node.URL}, GatewayHashIP
	return startTestGateway(t, cfg)
}

// TestGatewayACMEWithPebble: the gateway obtains a certificate from a
// real ACME CA into <data_dir>/certs, proxies HTTPS (HTTP/2, HSTS) to a
// node with X-Forwarded-Proto https, redirects HTTP to it, and keeps
// serving plain HTTP on gateway.listen for health checks.
func TestGatewayACMEWithPebble(t *testing.T) {
	ca := acmetest.Start(t)
	cfg := Default()
	cfg.TLS.Domains = []string{tlsTestDomain}
	cfg.TLS.CA, cfg.TLS.CARootFile = ca.DirectoryURL, ca.RootFile
	cfg.TLS.HTTPListen = fmt.Sprintf("127.0.0.1:%d", ca.HTTPPort)
	cfg.TLS.HTTPSListen = fmt.Sprintf("127.0.0.1:%d", ca.TLSPort)
	g := startTLSGateway(t, cfg, tlsBackend(t))
	testproc.Eventually(t, 60*time.Second, func() error {
		if resp, body := get(t, "http://"+g.Addr()+"/readyz"); resp.StatusCode != http.StatusOK {
			return fmt.Errorf("plain /readyz: %d %s", resp.StatusCode, body)
		}
		return nil
	})

	c := acmetest.HTTPSClient(ca.Roots(t))
	httpsBase := fmt.Sprintf("https://%s:%d", tlsTestDomain, ca.TLSPort)
	r := tlsDo(t, c, "GET", httpsBase+"/api/hello", nil)
	if r.res.StatusCode != http.StatusOK || r.res.ProtoMajor != 2 || r.body != "node saw https /api/hello" {
		t.Fatalf("https through the gateway: %d over %s: %q", r.res.StatusCode, r.res.Proto, r.body)
	}
	if !strings.HasPrefix(r.res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS over TLS: %v", r.res.Header)
	}
	r = tlsDo(t, c, "GET", fmt.Sprintf("http://%s:%d/api/hello?x=1", tlsTestDomain, ca.HTTPPort), nil)
	if r.res.StatusCode != http.StatusPermanentRedirect || r.res.Header.Get("Location") != httpsBase+"/api/hello?x=1" {
		t.Errorf("http: %d to %q, want 308 to https", r.res.StatusCode, r.res.Header.Get("Location"))
	}
	if resp, body := get(t, "http://"+g.Addr()+"/api/hello"); body != "node saw http /api/hello" || resp.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("plain gateway.listen: %q, HSTS %q", body, resp.Header.Get("Strict-Transport-Security"))
	}
	found := false
	_ = filepath.WalkDir(layoutOf(g.cfg.DataDir).Certs, func(path string, d os.DirEntry, err error) error {
		found = found || (err == nil && strings.HasSuffix(path, tlsTestDomain+".crt"))
		return nil
	})
	if !found {
		t.Errorf("no certificate for %s under %s", tlsTestDomain, layoutOf(g.cfg.DataDir).Certs)
	}
}

// TestGatewayOwnCertificate: with tls.cert_file and tls.key_file the
// gateway serves that certificate and proxies over it.
func TestGatewayOwnCertificate(t *testing.T) {
	const name = "gw.fechatter.test"
	ca := acmetest.NewLocalCA(t)
	dir := t.TempDir()
	cfg := Default()
	cfg.TLS.CertFile, cfg.TLS.KeyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.Issue(t, name, 42, cfg.TLS.CertFile, cfg.TLS.KeyFile)
	cfg.TLS.HTTPListen, cfg.TLS.HTTPSListen = "127.0.0.1:0", "127.0.0.1:0"
	g := startTLSGateway(t, cfg, tlsBackend(t))

	if serial, err := acmetest.ServedSerial(g.HTTPSAddr(), name, ca.Pool); err != nil || serial != 42 {
		t.Fatalf("served serial %d, %v; want 42", serial, err)
	}
	c := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool, ServerName: name}, ForceAttemptHTTP2: true,
	}}
	r := tlsDo(t, c, "GET", "https://"+g.HTTPSAddr()+"/api/hello", nil)
	if r.res.StatusCode != http.StatusOK || r.res.ProtoMajor != 2 || r.body != "node saw https /api/hello" {
		t.Fatalf("https through the gateway: %d over %s: %q", r.res.StatusCode, r.res.Proto, r.body)
	}
	if resp, body := get(t, "http://"+g.Addr()+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz with a certificate held: %d %s", resp.StatusCode, body)
	}
}

package appliance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/embedded/autotls/acmetest"
	"github.com/fechatter/fechatter/internal/testproc"
)

const tlsTestDomain = "chat.fechatter.test"

// tlsAnswer is one answer with its body read.
type tlsAnswer struct {
	res  *http.Response
	body string
}

func tlsDo(t *testing.T, c *http.Client, method, url string, body any) tlsAnswer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return tlsAnswer{res: res, body: string(data)}
}

func cookieOf(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// waitReady polls until nothing is named not ready.
func waitReady(t *testing.T, a *Appliance, within time.Duration) {
	t.Helper()
	testproc.Eventually(t, within, func() error {
		if nr := a.NotReady(context.Background()); len(nr) > 0 {
			return fmt.Errorf("not ready: %v", nr)
		}
		return nil
	})
}

// TestApplianceACMEWithPebble: the appliance obtains a certificate from a
// real ACME CA, serves HTTPS (HTTP/2, HSTS) that verifies against the CA's
// root, redirects HTTP to it except for challenges, and marks cookies
// Secure over TLS only.
func TestApplianceACMEWithPebble(t *testing.T) {
	ca := acmetest.Start(t)
	cfg := testConfig(t)
	cfg.SetupToken = "tls-test-setup-token"
	cfg.TLS.Domains = []string{tlsTestDomain}
	cfg.TLS.Email = "ops@fechatter.test"
	cfg.TLS.CA, cfg.TLS.CARootFile = ca.DirectoryURL, ca.RootFile
	cfg.TLS.HTTPListen = fmt.Sprintf("127.0.0.1:%d", ca.HTTPPort)
	cfg.TLS.HTTPSListen = fmt.Sprintf("127.0.0.1:%d", ca.TLSPort)
	a := startAppliance(t, cfg, nil)
	waitReady(t, a, 60*time.Second)

	c := acmetest.HTTPSClient(ca.Roots(t))
	httpsBase := fmt.Sprintf("https://%s:%d", tlsTestDomain, ca.TLSPort)
	r := tlsDo(t, c, "GET", httpsBase+"/readyz", nil)
	if r.res.StatusCode != http.StatusOK || r.res.ProtoMajor != 2 {
		t.Fatalf("https /readyz: %d over %s: %s", r.res.StatusCode, r.res.Proto, r.body)
	}
	if !strings.HasPrefix(r.res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS over TLS: %v", r.res.Header)
	}

	httpBase := fmt.Sprintf("http://%s:%d", tlsTestDomain, ca.HTTPPort)
	r = tlsDo(t, c, "GET", httpBase+"/api/me?x=1", nil)
	if r.res.StatusCode != http.StatusPermanentRedirect || r.res.Header.Get("Location") != httpsBase+"/api/me?x=1" {
		t.Errorf("http: %d to %q, want 308 to https", r.res.StatusCode, r.res.Header.Get("Location"))
	}
	if r.res.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS over plain HTTP")
	}
	r = tlsDo(t, c, "GET", httpBase+"/.well-known/acme-challenge/none", nil)
	if r.res.StatusCode != http.StatusNotFound {
		t.Errorf("challenge path: %d, want 404 and no redirect", r.res.StatusCode)
	}

	// Setup over HTTPS: the refresh cookie is Secure with the __Host- name.
	r = tlsDo(t, c, "POST", httpsBase+"/api/setup", map[string]any{
		"email": "admin@fechatter.test", "password": "a long enough password", "username": "admin",
		"display_name": "Admin", "workspace_name": "Home", "setup_token": cfg.SetupToken,
	})
	if r.res.StatusCode != http.StatusCreated {
		t.Fatalf("setup over https: %d %s", r.res.StatusCode, r.body)
	}
	if ck := cookieOf(r.res, "__Host-fechatter_refresh"); ck == nil || !ck.Secure {
		t.Errorf("cookie over TLS: %v", r.res.Header["Set-Cookie"])
	}
	// The same server over plain HTTP (server.listen): a plain cookie, no HSTS.
	r = tlsDo(t, http.DefaultClient, "POST", "http://"+a.Addr()+"/api/auth/signin", map[string]any{
		"email": "admin@fechatter.test", "password": "a long enough password",
	})
	if r.res.StatusCode != http.StatusOK {
		t.Fatalf("signin over http: %d %s", r.res.StatusCode, r.body)
	}
	if ck := cookieOf(r.res, "fechatter_refresh"); ck == nil || ck.Secure {
		t.Errorf("cookie over plain HTTP: %v", r.res.Header["Set-Cookie"])
	}
	if r.res.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS over plain HTTP on server.listen")
	}
}

// TestApplianceTLSUnreachableCA: the server starts and serves HTTP on both
// plain ports, /readyz names tls, and the log says why.
func TestApplianceTLSUnreachableCA(t *testing.T) {
	var logs syncBuffer
	cfg := testConfig(t)
	cfg.TLS.Domains = []string{tlsTestDomain}
	cfg.TLS.CA = fmt.Sprintf("https://127.0.0.1:%d/directory", acmetest.FreePort(t))
	cfg.TLS.HTTPListen, cfg.TLS.HTTPSListen = "127.0.0.1:0", "127.0.0.1:0"
	a := startAppliance(t, cfg, &logs)
	testproc.Eventually(t, 30*time.Second, func() error {
		if !strings.Contains(logs.String(), "could not obtain a certificate") {
			return fmt.Errorf("no log line says why")
		}
		return nil
	})
	if nr := a.NotReady(context.Background()); !slices.Equal(nr, []string{"tls"}) {
		t.Errorf("NotReady = %v, want [tls]", nr)
	}
	for _, addr := range []string{a.Addr(), a.tls.HTTPAddr()} {
		resp, body := get(t, "http://"+addr+"/readyz")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"tls"`) {
			t.Errorf("%s/readyz = %d %s, want 503 naming tls", addr, resp.StatusCode, body)
		}
		if resp, _ := get(t, "http://"+addr+"/healthz"); resp.StatusCode != http.StatusOK {
			t.Errorf("%s/healthz = %d", addr, resp.StatusCode)
		}
	}
}

// TestApplianceOwnCertificate: tls.cert_file and tls.key_file are served
// and reloaded after the files change.
func TestApplianceOwnCertificate(t *testing.T) {
	ca := acmetest.NewLocalCA(t)
	dir := t.TempDir()
	cfg := testConfig(t)
	cfg.TLS.CertFile, cfg.TLS.KeyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cfg.TLS.HTTPListen, cfg.TLS.HTTPSListen = "127.0.0.1:0", "127.0.0.1:0"
	ca.Issue(t, tlsTestDomain, 1, cfg.TLS.CertFile, cfg.TLS.KeyFile)
	a, err := New(cfg, nil, BuildInfo{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	a.tlsReload = 20 * time.Millisecond
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	waitReady(t, a, 10*time.Second)
	if got, err := acmetest.ServedSerial(a.tls.HTTPSAddr(), tlsTestDomain, ca.Pool); err != nil || got != 1 {
		t.Fatalf("served serial %d, %v; want 1", got, err)
	}
	ca.Issue(t, tlsTestDomain, 2, cfg.TLS.CertFile, cfg.TLS.KeyFile)
	testproc.Eventually(t, 10*time.Second, func() error {
		got, err := acmetest.ServedSerial(a.tls.HTTPSAddr(), tlsTestDomain, ca.Pool)
		if err == nil && got != 2 {
			err = fmt.Errorf("serial %d", got)
		}
		return err
	})
}

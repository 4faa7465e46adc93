package autotls

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/fechatter/fechatter/embedded/autotls/acmetest"
)

const testDomain = "chat.fechatter.test"

// app answers with the protocol it was reached over.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "app %s tls=%v", r.Proto, r.TLS != nil)
})

// syncBuffer is a log sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, within time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %v after %s", what, err, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func startServer(t *testing.T, cfg Config, tweak func(*certmagic.ACMEIssuer)) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.tweakIssuer = tweak
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return s
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// TestACMEWithPebble obtains a certificate from a real ACME CA by each
// challenge, then checks what both ports serve, and that a restart with
// the CA down serves the stored certificate.
func TestACMEWithPebble(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*certmagic.ACMEIssuer)
	}{
		{"http-01", func(i *certmagic.ACMEIssuer) { i.DisableTLSALPNChallenge = true }},
		{"tls-alpn-01", func(i *certmagic.ACMEIssuer) { i.DisableHTTPChallenge = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca := acmetest.Start(t)
			dir := t.TempDir()
			cfg := Config{
				Domains: []string{testDomain}, Email: "ops@fechatter.test",
				CA: ca.DirectoryURL, CARootFile: ca.RootFile, Dir: dir, Handler: app,
				HTTPListen:  fmt.Sprintf("127.0.0.1:%d", ca.HTTPPort),
				HTTPSListen: fmt.Sprintf("127.0.0.1:%d", ca.TLSPort),
				Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
			}
			s := startServer(t, cfg, tc.tweak)
			eventually(t, "certificate", 60*time.Second, s.Ready)
			checkServing(t, s, acmetest.HTTPSClient(ca.Roots(t)))

			// The certificate and the account are in the data dir.
			if files := filesUnder(t, dir); !strings.Contains(files, testDomain+".crt") || !strings.Contains(files, "acme/") {
				t.Errorf("storage holds %s", files)
			}
			// A restart loads it from storage: no CA needed.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			ca.StopACME()
			again := startServer(t, cfg, nil)
			eventually(t, "certificate from storage", 20*time.Second, again.Ready)
			checkServing(t, again, acmetest.HTTPSClient(ca.Roots(t)))
		})
	}
}

// checkServing: HTTPS with HTTP/2, a certificate that verifies and HSTS;
// HTTP redirects to it except on the ACME challenge path, without HSTS.
func checkServing(t *testing.T, s *Server, c *http.Client) {
	t.Helper()
	httpsPort, httpPort := s.httpsPort, portOf(s.httpLn)
	res, body := get(t, c, fmt.Sprintf("https://%s:%d/hello?x=1", testDomain, httpsPort))
	if res.StatusCode != http.StatusOK || body != "app HTTP/2.0 tls=true" {
		t.Errorf("https: %d %q", res.StatusCode, body)
	}
	if res.TLS == nil || res.TLS.PeerCertificates[0].VerifyHostname(testDomain) != nil {
		t.Errorf("https certificate does not name %s", testDomain)
	}
	if got := res.Header.Get("Strict-Transport-Security"); got != hstsValue {
		t.Errorf("HSTS over TLS = %q, want %q", got, hstsValue)
	}
	res, _ = get(t, c, fmt.Sprintf("http://%s:%d/hello?x=1", testDomain, httpPort))
	want := fmt.Sprintf("https://%s:%d/hello?x=1", testDomain, httpsPort)
	if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
		t.Errorf("http: %d to %q, want 308 to %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	if res.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS sent over plain HTTP")
	}
	res, _ = get(t, c, fmt.Sprintf("http://%s:%d/.well-known/acme-challenge/unknown", testDomain, httpPort))
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("challenge path: %d, want 404 (never redirected)", res.StatusCode)
	}
	// A host this server has no certificate for is served, not redirected.
	res, body = get(t, c, fmt.Sprintf("http://127.0.0.1:%d/hello", httpPort))
	if res.StatusCode != http.StatusOK || body != "app HTTP/1.1 tls=false" {
		t.Errorf("http by address: %d %q", res.StatusCode, body)
	}
}

func filesUnder(t *testing.T, dir string) string {
	t.Helper()
	var names []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return strings.Join(names, " ")
}

// TestUnreachableCA: the server starts, serves HTTP, says why in the log,
// is not ready, and stops promptly.
func TestUnreachableCA(t *testing.T) {
	logs := &syncBuffer{}
	httpPort := acmetest.FreePort(t)
	s := startServer(t, Config{
		Domains: []string{testDomain}, CA: "https://127.0.0.1:1/directory", Dir: t.TempDir(), Handler: app,
		HTTPListen: fmt.Sprintf("127.0.0.1:%d", httpPort), HTTPSListen: "127.0.0.1:0",
		Log: slog.New(slog.NewTextHandler(logs, nil)),
	}, nil)
	eventually(t, "a log line saying why", 30*time.Second, func() error {
		if !strings.Contains(logs.String(), "could not obtain a certificate") {
			return fmt.Errorf("no such line in %q", logs.String())
		}
		return nil
	})
	if err := s.Ready(); err == nil || !strings.Contains(err.Error(), testDomain) {
		t.Errorf("Ready = %v, want an error naming %s", err, testDomain)
	}
	res, body := get(t, http.DefaultClient, fmt.Sprintf("http://%s/x", s.HTTPAddr()))
	if res.StatusCode != http.StatusOK || body != "app HTTP/1.1 tls=false" {
		t.Errorf("http while the CA is down: %d %q", res.StatusCode, body)
	}
	// Host header of the managed domain: no certificate, so no redirect.
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/x", s.HTTPAddr()), nil)
	req.Host = testDomain
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("http for the domain without a certificate: %d, want the app", res.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("stop while retrying: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no handler", Config{Domains: []string{"a.example"}, Dir: "d"}, "no handler"},
		{"nothing", Config{Handler: app}, "no domains and no certificate"},
		{"cert without key", Config{Handler: app, CertFile: "c"}, "both"},
		{"both sources", Config{Handler: app, CertFile: "c", KeyFile: "k", Domains: []string{"a.example"}}, "exclude"},
		{"no storage", Config{Handler: app, Domains: []string{"a.example"}}, "no storage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestHTTPSURL(t *testing.T) {
	for _, tc := range []struct {
		host string
		port int
		uri  string
		want string
	}{
		{"chat.example.com", 443, "/a?b=c", "https://chat.example.com/a?b=c"},
		{"chat.example.com", 8443, "/", "https://chat.example.com:8443/"},
		{"::1", 443, "/", "https://[::1]/"},
	} {
		s := &Server{httpsPort: tc.port}
		r, _ := http.NewRequest("GET", "http://x"+tc.uri, nil)
		if got := s.httpsURL(tc.host, r); got != tc.want {
			t.Errorf("httpsURL(%q, %d) = %q, want %q", tc.host, tc.port, got, tc.want)
		}
	}
	for in, want := range map[string]string{"a.example:80": "a.example", "a.example": "a.example", "[::1]:80": "::1", "[::1]": "::1"} {
		if got := hostOnly(in); got != want {
			t.Errorf("hostOnly(%q) = %q, want %q", in, got, want)
		}
	}
}

package realtime

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
)

// nginxBlock is the nginx configuration shown in docs/reverse-proxy.md.
var nginxBlock = regexp.MustCompile("(?s)```nginx\n(.*?)```")

// TestNginxRecipe runs Debian's nginx with the configuration of
// docs/reverse-proxy.md, changed only in its ports, upstream address and
// certificate paths, in front of a node that trusts it: events arrive
// through it as they are sent, a stream resumes with Last-Event-ID, and
// the refresh cookie is Secure (X-Forwarded-Proto from a trusted proxy).
func TestNginxRecipe(t *testing.T) {
	bin := nginxBinary(t)
	n := startNode(t, "", "FECHATTER_SERVER__TRUSTED_PROXIES=127.0.0.1")
	front, pool := startNginx(t, bin, n.Addr)
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig:       &tls.Config{RootCAs: pool},
		ResponseHeaderTimeout: eventDeadline,
	}}
	via := func(u *user) *client.Client {
		access, _ := u.c.Tokens()
		return client.New(front, client.WithUserAgent("fechatter-nginx-test"), client.WithHTTPClient(hc), client.WithTokens(access, ""))
	}

	alice, ws := setup(t, n, "alice", "Acme")
	bob := signUp(t, n, "bob", invite(t, alice, ws.ID))
	chat := newChat(t, alice, ws.ID, model.ChatDirect, "", bob)

	t.Run("events arrive through nginx", func(t *testing.T) {
		s := openStream(t, via(bob), "bob via nginx", 0)
		s.ready(t, bob.id())
		m := send(t, alice, chat.ID, "through the proxy")
		evs := s.until(t, m.ID)
		last := evs[len(evs)-1].ID
		s.close()

		// Sent while bob is away, received when he comes back with
		// Last-Event-ID, through nginx again.
		missed := send(t, alice, chat.ID, "while bob was away")
		r := openStream(t, via(bob), "bob resuming via nginx", last)
		if id := r.ready(t, bob.id()); id != last {
			t.Fatalf("resumed ready id = %d, want %d", id, last)
		}
		got := messageIDs(t, "bob resuming", r.until(t, missed.ID))
		if len(got) != 1 || got[0] != missed.ID {
			t.Fatalf("resumed stream brought messages %v, want only %d", got, missed.ID)
		}
	})

	t.Run("refresh cookie is Secure behind TLS", func(t *testing.T) {
		body := fmt.Sprintf(`{"email":%q,"password":%q}`, bob.email, password)
		resp, err := hc.Post(front+"/api/auth/signin", "application/json", bytes.NewBufferString(body))
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-in through nginx: %s", resp.Status)
		}
		var names []string
		for _, c := range resp.Cookies() {
			names = append(names, c.Name)
			if c.Name == "__Host-fechatter_refresh" && c.Secure {
				return
			}
		}
		t.Fatalf("cookies %v: no Secure __Host-fechatter_refresh (X-Forwarded-Proto not believed?)", names)
	})
}

// nginxBinary finds nginx, skipping the test without it (failing under
// CI=true, where .ci/run installs it).
func nginxBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("nginx is not installed (Debian: apt-get install nginx-light); .ci/run installs it")
	}
	t.Skip("nginx is not installed (Debian: apt-get install nginx-light): the reverse-proxy recipe was not run")
	return ""
}

// startNginx writes the doc's configuration for a front on a free loopback
// port with a fresh self-signed certificate, proxying to upstream, runs
// nginx in the foreground (its pid file, logs and temp files in a temp
// dir) until the test ends, and returns its base URL and the certificate's
// pool.
func startNginx(t *testing.T, bin, upstream string) (string, *x509.CertPool) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "reverse-proxy.md"))
	must(t, err)
	m := nginxBlock.FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/reverse-proxy.md has no nginx block")
	}
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	addr, err := testproc.FreeAddr()
	must(t, err)
	site := strings.NewReplacer(
		"server 127.0.0.1:8080;", "server "+upstream+";",
		"listen 443 ssl http2;", "listen "+addr+" ssl http2;",
		"/etc/letsencrypt/live/chat.example.com/fullchain.pem", certFile,
		"/etc/letsencrypt/live/chat.example.com/privkey.pem", keyFile,
	).Replace(string(m[1]))
	for _, want := range []string{upstream, addr, certFile, keyFile} {
		if !strings.Contains(site, want) {
			t.Fatalf("the doc's nginx block changed: %q not substituted\n%s", want, site)
		}
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers keep the temp dir's owner (only root may name one)
	}
	conf := fmt.Sprintf(`%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 256; }
http {
    access_log %[2]s/access.log;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
%s
}
`, user, dir, site)
	confFile := filepath.Join(dir, "nginx.conf")
	must(t, os.WriteFile(confFile, []byte(conf), 0o600))
	cmd := exec.Command(bin, "-p", dir, "-c", confFile, "-e", filepath.Join(dir, "error.log"), "-g", "daemon off;")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), log)
		}
	})
	testproc.Eventually(t, 30*time.Second, func() error {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	})
	return "https://" + addr, pool
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fechatter nginx test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	keyDER, err := x509.MarshalECPrivateKey(key)
	must(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	must(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	must(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile, pool
}

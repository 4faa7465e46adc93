// Package monitoring runs the built binary under a real Prometheus (the
// Debian package; .ci/run installs it): the target is scraped and
// queried, the shipped alert rules load and pass promtool, every metric
// the rules and the Grafana dashboard name is served, and the operator
// endpoints refuse whoever is neither in admin.allow_cidrs nor holds the
// metrics token.
package monitoring

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// waitFor bounds each wait for the node or Prometheus to catch up: a hang
// is a failure, never a timing assertion.
const waitFor = 2 * time.Minute

// metricsToken is the metrics.token of the nodes under test.
const metricsToken = "monitoring-test-metrics-token"

// repoFile is the path of a file of the repository.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Join(filepath.Dir(here), "..", "..", rel)
}

// tool finds an executable of the prometheus package, or fails saying
// how to get it: these tests never skip.
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: apt-get install -y prometheus (.ci/run installs it): %v", name, err)
	}
	return path
}

// node is a running fechatter with a signed-in administrator, a
// workspace and a channel.
type node struct {
	*testproc.Server
	admin *client.Client
	ws    int64
	chat  int64
}

// startNode starts fechatter on dbURL ("" for SQLite) with extra
// environment, and sets it up.
func startNode(t *testing.T, dbURL string, env ...string) *node {
	t.Helper()
	env = append([]string{"FECHATTER_METRICS__TOKEN=" + metricsToken}, env...)
	s := testproc.New(t, testproc.Config{DBURL: dbURL, Env: env})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := client.New(s.URL())
	if _, err := c.Setup(ctx, client.SetupInput{
		Email: "admin@example.com", Password: "correct horse battery", Username: "admin",
		DisplayName: "Admin", WorkspaceName: "Ops", SetupToken: testproc.SetupToken,
	}); err != nil {
		t.Fatalf("setup: %v", err)
	}
	wss, err := c.Workspaces(ctx)
	if err != nil || len(wss) == 0 {
		t.Fatalf("workspaces: %v %v", wss, err)
	}
	ch, _, err := c.CreateChat(ctx, wss[0].ID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "hall"})
	if err != nil {
		t.Fatalf("create chat: %v", err)
	}
	return &node{Server: s, admin: c, ws: wss[0].ID, chat: ch.ID}
}

// send posts n messages.
func (n *node) send(t *testing.T, count int) {
	t.Helper()
	for i := range count {
		if _, _, err := n.admin.SendMessage(context.Background(), n.chat, client.SendMessageInput{Content: fmt.Sprintf("message %d", i)}); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
}

// get fetches url with optional headers and returns the status and body.
func get(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, string(body)
}

// selfSignedCert writes a certificate for localhost and its key to dir.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

package meili_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/meili"
	"github.com/fechatter/fechatter/internal/search/searchtest"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/meilisearch/meilisearch-go"
)

// TestMeiliConformanceReal runs the conformance suite against a real
// Meilisearch: the server at FECHATTER_TEST_MEILI_URL (its key in
// FECHATTER_TEST_MEILI_KEY), or else a `meilisearch` binary on PATH started
// for this test. With neither, it skips and says so; the stub-backed suite
// (TestMeiliConformanceStub) still runs.
func TestMeiliConformanceReal(t *testing.T) {
	url, key := realMeili(t)
	searchtest.Run(t, func(t *testing.T) search.Index {
		uid := randomUID(t)
		m, err := meili.New(context.Background(), meili.Config{URL: url, APIKey: key, IndexUID: uid})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(func() { dropIndexes(t, url, key, uid) })
		return m
	})
}

// realMeili finds or starts a real Meilisearch, or skips.
func realMeili(t *testing.T) (url, key string) {
	if url := os.Getenv("FECHATTER_TEST_MEILI_URL"); url != "" {
		return url, os.Getenv("FECHATTER_TEST_MEILI_KEY")
	}
	bin, err := exec.LookPath("meilisearch")
	if err != nil {
		t.Skip("no real Meilisearch here: no `meilisearch` binary on PATH and FECHATTER_TEST_MEILI_URL is not set " +
			"(TestMeiliConformanceStub ran the same suite against meilistub)")
	}
	return startMeili(t, bin)
}

// startMeili runs the binary on a free loopback port with a fresh master
// key and data dir until the test ends.
func startMeili(t *testing.T, bin string) (string, string) {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key, dir := hex.EncodeToString(b), t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	cmd := exec.Command(bin, "--env", "production", "--no-analytics", "--http-addr", addr,
		"--db-path", filepath.Join(dir, "db"), "--dump-dir", filepath.Join(dir, "dumps"))
	cmd.Env = append(os.Environ(), "MEILI_MASTER_KEY="+key)
	cmd.Stdout, cmd.Stderr = t.Output(), t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start meilisearch: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://" + addr
	testproc.Eventually(t, 60*time.Second, func() error {
		resp, err := http.Get(url + "/health")
		if err != nil {
			return fmt.Errorf("meilisearch at %s is not healthy: %w", url, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("meilisearch at %s is not healthy: %s", url, resp.Status)
		}
		return nil
	})
	return url, key
}

// dropIndexes deletes the indexes a test made (prefix uid).
func dropIndexes(t *testing.T, url, key, uid string) {
	c := meilisearch.New(url, meilisearch.WithAPIKey(key))
	defer c.Close()
	ctx := context.Background()
	res, err := c.ListIndexes(ctx, &meilisearch.IndexesQuery{Limit: 1000})
	if err != nil {
		t.Logf("cleanup: list indexes: %v", err)
		return
	}
	for _, ix := range res.Results {
		if strings.HasPrefix(ix.UID, uid+"_") {
			if _, err := c.DeleteIndex(ctx, ix.UID); err != nil {
				t.Logf("cleanup: %v", fmt.Errorf("delete %s: %w", ix.UID, err))
			}
		}
	}
}

package main

import (
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// TestStartWaitsForPostgres: `serve` pointed at a Postgres that is not up
// yet retries, saying so each time, and starts once the database comes up
// within database.connect_timeout. The database "comes up" as a TCP relay
// to the throwaway Postgres opened on the configured port after the second
// retry line.
func TestStartWaitsForPostgres(t *testing.T) {
	dbURL := pgtest.URL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	port, err := testproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	u.Host = port
	env := []string{"FECHATTER_DATABASE__URL=" + u.String(), "FECHATTER_DATABASE__CONNECT_TIMEOUT=2m"}
	s := startLogging(t, env, "serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"))
	s.waitLog(t, "database not reachable yet; retrying")
	s.waitLog(t, "database not reachable yet; retrying")
	relay(t, port, target)
	s.waitLog(t, "database reachable")
	s.waitLog(t, "fechatter started")
}

// TestStartGivesUpOnPostgres: past database.connect_timeout the server
// exits 1 naming the bound.
func TestStartGivesUpOnPostgres(t *testing.T) {
	closed, err := testproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"FECHATTER_DATABASE__URL=postgres://fechatter@" + closed + "/fechatter?sslmode=disable",
		"FECHATTER_DATABASE__CONNECT_TIMEOUT=3s", "FECHATTER_LOG__FORMAT=json"}
	_, errOut, code := runCommand(t, env, "serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"))
	if code != 1 || !strings.Contains(errOut, "database not reachable within database.connect_timeout (3s)") ||
		!strings.Contains(errOut, "database not reachable yet; retrying") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

// startLogging runs the binary like startProcess without waiting for a
// particular line.
func startLogging(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	return startProcess(t, env, "", args...)
}

// relay accepts on addr and copies each connection to target until the
// test ends.
func relay(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter/embedded/autotls"
	"github.com/fechatter/fechatter/embedded/autotls/acmetest"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// certEngines opens a migrated store per engine, for the certStore tests.
func certEngines(t *testing.T) map[string]func(t *testing.T) storage.Store {
	open := func(t *testing.T, cfg Config) storage.Store {
		t.Helper()
		ctx := context.Background()
		st, err := openStore(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := migrateStore(ctx, st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	return map[string]func(t *testing.T) storage.Store{
		"sqlite": func(t *testing.T) storage.Store { return open(t, testConfig(t)) },
		"postgres": func(t *testing.T) storage.Store {
			cfg := testConfig(t)
			cfg.Database.URL = pgtest.URL(t)
			return open(t, cfg)
		},
	}
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestCertStoreKeys: certmagic's Storage contract over both engines.
func TestCertStoreKeys(t *testing.T) {
	for name, open := range certEngines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := newCertStore(open(t), quietLog)
			if _, err := c.Load(ctx, "acme/x"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("Load of a missing key: %v, want fs.ErrNotExist", err)
			}
			if _, err := c.List(ctx, "certificates", false); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("List of a missing dir: %v", err)
			}
			for _, k := range []string{"certificates/ca/a.example/a.example.crt", "certificates/ca/a.example/a.example.key", "certificates/ca/b.example/b.example.crt", "acme/ca/users/u.json"} {
				if err := c.Store(ctx, k, []byte(k)); err != nil {
					t.Fatal(err)
				}
			}
			if v, err := c.Load(ctx, "acme/ca/users/u.json"); err != nil || string(v) != "acme/ca/users/u.json" {
				t.Fatalf("Load = %q, %v", v, err)
			}
			if !c.Exists(ctx, "certificates/ca") || c.Exists(ctx, "certificates/c") {
				t.Errorf("Exists of a directory / of a partial name wrong")
			}
			if got, _ := c.List(ctx, "certificates/ca", false); !slices.Equal(got, []string{"certificates/ca/a.example", "certificates/ca/b.example"}) {
				t.Errorf("List = %v", got)
			}
			want := []string{"certificates/ca", "certificates/ca/a.example", "certificates/ca/a.example/a.example.crt",
				"certificates/ca/a.example/a.example.key", "certificates/ca/b.example", "certificates/ca/b.example/b.example.crt"}
			if got, _ := c.List(ctx, "certificates", true); !slices.Equal(got, want) {
				t.Errorf("recursive List = %v, want %v", got, want)
			}
			info, err := c.Stat(ctx, "certificates/ca/b.example/b.example.crt")
			if err != nil || !info.IsTerminal || info.Size != int64(len("certificates/ca/b.example/b.example.crt")) || info.Modified.IsZero() {
				t.Errorf("Stat of a value = %+v, %v", info, err)
			}
			if info, err := c.Stat(ctx, "certificates/ca"); err != nil || info.IsTerminal {
				t.Errorf("Stat of a directory = %+v, %v", info, err)
			}
			if err := c.Delete(ctx, "certificates/ca/a.example"); err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, "certificates/ca/a.example"); err != nil {
				t.Errorf("Delete of a missing key: %v, want nil", err)
			}
			if _, err := c.Stat(ctx, "certificates/ca/a.example/a.example.key"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat after Delete: %v", err)
			}
		})
	}
}

// TestCertStoreLocks: two nodes on one database: one holds a lock, the
// other waits until it is released; a held lock outlives its first lease.
func TestCertStoreLocks(t *testing.T) {
	for name, open := range certEngines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			node1, node2 := newCertStore(st, quietLog), newCertStore(st, quietLog)
			node1.ttl = 1500 * time.Millisecond
			t.Cleanup(node1.close)
			t.Cleanup(node2.close)
			if err := node1.Lock(ctx, "issue_cert_a.example"); err != nil {
				t.Fatal(err)
			}
			locked := time.Now()
			// The lease is extended: past two lifetimes nobody else gets it.
			testproc.Eventually(t, 30*time.Second, func() error {
				now := time.Now()
				if ok, err := st.TryCertLock(ctx, "issue_cert_a.example", "intruder", now, now.Add(time.Minute)); err != nil || ok {
					t.Fatalf("another owner took a held lock (%v)", err)
				}
				if now.Sub(locked) < 2*node1.ttl {
					return fmt.Errorf("held for %s", now.Sub(locked))
				}
				return nil
			})
			short, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
			defer cancel()
			if err := node2.Lock(short, "issue_cert_a.example"); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("node2 Lock while node1 holds it: %v", err)
			}
			got := make(chan error, 1)
			go func() { got <- node2.Lock(ctx, "issue_cert_a.example") }()
			if err := node1.Unlock(ctx, "issue_cert_a.example"); err != nil {
				t.Fatal(err)
			}
			if err := <-got; err != nil {
				t.Fatalf("node2 after the release: %v", err)
			}
			if err := node1.Unlock(ctx, "issue_cert_a.example"); err == nil {
				t.Error("node1 released a lock it no longer holds")
			}
			if err := node2.Unlock(ctx, "issue_cert_a.example"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCertStoreSharedCertificate: a certificate one node obtained from a
// real ACME CA into the database is served by another node of the cluster
// while the CA is down.
func TestCertStoreSharedCertificate(t *testing.T) {
	open := certEngines(t)["postgres"]
	st := open(t)
	ca := acmetest.Start(t)
	roots := ca.Roots(t)
	node := func(httpListen, httpsListen string) *autotls.Server {
		certs := newCertStore(st, quietLog)
		t.Cleanup(certs.close)
		s, err := autotls.New(autotls.Config{
			Domains: []string{tlsTestDomain}, CA: ca.DirectoryURL, CARootFile: ca.RootFile,
			Storage: certs, Handler: http404{}, Log: quietLog,
			HTTPListen: httpListen, HTTPSListen: httpsListen,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Stop(context.Background()) })
		return s
	}
	first := node(fmt.Sprintf("127.0.0.1:%d", ca.HTTPPort), fmt.Sprintf("127.0.0.1:%d", ca.TLSPort))
	testproc.Eventually(t, 60*time.Second, first.Ready)
	ca.StopACME()
	second := node("127.0.0.1:0", "127.0.0.1:0")
	testproc.Eventually(t, 30*time.Second, second.Ready)
	s1, err1 := acmetest.ServedSerial(first.HTTPSAddr(), tlsTestDomain, roots)
	s2, err2 := acmetest.ServedSerial(second.HTTPSAddr(), tlsTestDomain, roots)
	if err1 != nil || err2 != nil || s1 != s2 {
		t.Fatalf("serials %d (%v) and %d (%v), want one certificate", s1, err1, s2, err2)
	}
}

// http404 answers every request 404.
type http404 struct{}

func (http404) ServeHTTP(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }

package search

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// reindexTimeout bounds `fechatter reindex` (not a timing assertion: only
// how long to wait before calling a hang a failure).
const reindexTimeout = 60 * time.Second

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// instance is one data dir (and, for Postgres, one database) that servers
// are started on, one after the other. Its process belongs to the test
// that made the instance, which outlives every step that starts or stops
// it.
type instance struct{ proc *testproc.Server }

func newInstance(t *testing.T, dbURL string) *instance {
	return &instance{proc: testproc.New(t, testproc.Config{DBURL: dbURL})}
}

// server is the instance's running process.
type server struct{ *testproc.Server }

// start runs `fechatter serve` on the instance and waits until it is ready.
func (in *instance) start(t *testing.T) *server {
	t.Helper()
	if err := in.proc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &server{in.proc}
}

// reindex runs `fechatter reindex` on the (stopped) instance and returns
// its output; it fails t unless the command exits 0.
func (in *instance) reindex(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), reindexTimeout)
	defer cancel()
	out, err := in.proc.Command(ctx, "reindex").CombinedOutput()
	if err != nil {
		t.Fatalf("fechatter reindex: %v; output:\n%s", err, out)
	}
	return string(out)
}

// stop sends SIGTERM and fails t unless the process exits 0.
func (s *server) stop(t *testing.T) {
	t.Helper()
	code, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("fechatter exited with %d after SIGTERM", code)
	}
}

// client returns a new client of s holding the given tokens (none: no session).
func (s *server) client(access, refresh string) *client.Client {
	return client.New(s.URL(), client.WithUserAgent("fechatter-search-test"), client.WithTokens(access, refresh))
}

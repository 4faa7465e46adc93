// Package blackbox drives the built fechatter binary through the public Go
// client, once per storage engine: first-run setup, invites, roles, tenant
// isolation, token rotation and revocation, a whole conversation, and a
// graceful stop on SIGTERM.
package blackbox

import (
	"context"
	"os"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// server is one running fechatter process.
type server struct {
	*testproc.Server
	url string
}

// start runs `fechatter serve` on a free loopback port with a fresh data
// dir (and dbURL when not empty) and waits until it is ready. The process
// is killed when the test ends if it is still running.
func start(t *testing.T, dbURL string) *server {
	t.Helper()
	// The walk takes the setup token from the link the server logs, as a
	// person starting the binary would.
	s := testproc.New(t, testproc.Config{DBURL: dbURL, GeneratedSetupToken: true})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &server{Server: s, url: s.URL()}
}

// setupToken is the setup token of the link in the server's log.
func (s *server) setupToken(t *testing.T) string {
	t.Helper()
	tok := s.SetupTokenFromLog()
	if tok == "" {
		t.Fatalf("no setup link in the server log:\n%s", s.LogTail(testproc.TailLines))
	}
	return tok
}

// stop sends SIGTERM and returns the exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	code, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// client returns a new client of s that has no session yet.
func (s *server) client() *client.Client {
	return client.New(s.url, client.WithUserAgent("fechatter-blackbox"))
}

// TestBlackbox runs the whole walk once per storage engine.
func TestBlackbox(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel() // each engine has its own process; most of a walk is waiting
			srv := start(t, engine.dbURL(t))
			w := &walk{srv: srv, ctx: context.Background()}
			for _, step := range []struct {
				name string
				run  func(t *testing.T)
			}{
				{"setup", w.setup},
				{"invite and sign up", w.inviteAndSignUp},
				{"member roles", w.memberRoles},
				{"other workspace sees nothing", w.isolation},
				{"refresh reuse revokes the family", w.refreshReuse},
				{"logout-all kills access at once", w.logoutAll},
				{"channels, direct and group chats", w.chats},
				{"messages, threads, reactions, edits, deletes", w.messages},
				{"unread counts and mentions", w.unread},
				{"file round trip", w.files},
				{"SIGTERM stops cleanly", w.shutdown},
			} {
				if !t.Run(step.name, step.run) {
					t.Fatalf("step %q failed; later steps depend on it", step.name)
				}
			}
		})
	}
}

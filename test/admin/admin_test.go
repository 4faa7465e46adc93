// Package admin drives `fechatter admin` against the built binary, once per
// storage engine: beside a running server (reset a password, disable a
// user whose stream is open, enable, promote, revoke sessions) and on a
// stopped instance, with the audit records these write and the refusals
// of bad input.
package admin

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	password    = "correct horse battery"
	newPassword = "a brand new passphrase"
)

func TestAdminCLI(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			runAdmin(t, engine.dbURL(t))
		})
	}
}

// cli runs `fechatter admin ARGS` on the server's storage with stdin and
// returns stdout, stderr and whether it exited 0.
func cli(t *testing.T, srv *testproc.Server, stdin string, args ...string) (string, string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := srv.Command(ctx, "admin", args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("fechatter admin %v: %v", args, err)
	}
	return out.String(), errOut.String(), err == nil
}

// mustCLI is cli that fails the test unless the command succeeds.
func mustCLI(t *testing.T, srv *testproc.Server, stdin string, args ...string) string {
	t.Helper()
	out, errOut, ok := cli(t, srv, stdin, args...)
	if !ok {
		t.Fatalf("fechatter admin %v failed:\n%s%s", args, out, errOut)
	}
	return out
}

func signIn(t *testing.T, srv *testproc.Server, email, pw string) (*client.Client, error) {
	t.Helper()
	c := client.New(srv.URL())
	_, err := c.SignIn(context.Background(), email, pw)
	return c, err
}

func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	if got := client.StatusOf(err); got != status {
		t.Fatalf("%s: status %d (%v), want %d", what, got, err, status)
	}
}

// meStatus is the status of GET /api/me with exactly this access token
// (no refresh, unlike the client).
func meStatus(t *testing.T, srv *testproc.Server, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// streamEnds waits for an open event stream to end.
func streamEnds(t *testing.T, s *client.EventStream) {
	t.Helper()
	ended := make(chan error, 1)
	go func() {
		for {
			if _, err := s.Next(); err != nil {
				ended <- err
				return
			}
		}
	}()
	select {
	case <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("the event stream did not end within 30s of the command")
	}
}

func runAdmin(t *testing.T, dbURL string) {
	ctx := context.Background()
	srv := testproc.New(t, testproc.Config{DBURL: dbURL})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	admin := client.New(srv.URL())
	_, err := admin.Setup(ctx, client.SetupInput{Email: "alice@example.com", Password: password, Username: "alice",
		DisplayName: "Alice", WorkspaceName: "Acme", SetupToken: testproc.SetupToken})
	if err != nil {
		t.Fatal(err)
	}
	wss, err := admin.Workspaces(ctx)
	if err != nil || len(wss) != 1 {
		t.Fatalf("workspaces: %v %v", wss, err)
	}

	// An invite made by the command line brings bob in.
	out := mustCLI(t, srv, "", "invites", "create", "--workspace", itoa(wss[0].ID), "--max-uses", "2")
	code := field(t, out, "invite code: ")
	bob := client.New(srv.URL())
	if _, err := bob.SignUp(ctx, client.SignUpInput{Email: "bob@example.com", Password: password, Username: "bob", InviteCode: code}); err != nil {
		t.Fatalf("sign up with the CLI's invite: %v", err)
	}

	// reset-password: the old password stops working, the new one works.
	mustCLI(t, srv, newPassword+"\n", "users", "reset-password", "bob@example.com", "--password-file", "-")
	_, err = signIn(t, srv, "bob@example.com", password)
	wantStatus(t, "sign in with the old password", err, http.StatusUnauthorized)
	bob, err = signIn(t, srv, "bob@example.com", newPassword)
	if err != nil {
		t.Fatalf("sign in with the new password: %v", err)
	}

	// disable: the open stream ends, the access token gets 401, sign-in
	// and refresh are refused.
	stream, err := bob.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if ev, err := stream.Next(); err != nil || ev.Type != "ready" {
		t.Fatalf("first event %+v %v", ev, err)
	}
	token, _ := bob.Tokens()
	if st := meStatus(t, srv, token); st != http.StatusOK {
		t.Fatalf("bob's token before disable: %d", st)
	}
	mustCLI(t, srv, "", "users", "disable", "bob")
	if st := meStatus(t, srv, token); st != http.StatusUnauthorized {
		t.Fatalf("a disabled user's access token: %d, want 401", st)
	}
	streamEnds(t, stream)
	_, err = signIn(t, srv, "bob@example.com", newPassword)
	wantStatus(t, "sign in while disabled", err, http.StatusForbidden)
	_, err = bob.Refresh(ctx)
	wantStatus(t, "refresh while disabled", err, http.StatusUnauthorized)

	// enable restores sign-in; promote opens the admin routes.
	mustCLI(t, srv, "", "users", "enable", "bob")
	bob, err = signIn(t, srv, "bob@example.com", newPassword)
	if err != nil {
		t.Fatalf("sign in after enable: %v", err)
	}
	_, err = bob.Audit(ctx, client.AuditQuery{})
	wantStatus(t, "audit before promote", err, http.StatusForbidden)
	me, err := bob.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustCLI(t, srv, "", "users", "promote", itoa(me.ID)) // by id
	entries, err := bob.Audit(ctx, client.AuditQuery{})
	if err != nil {
		t.Fatalf("audit after promote: %v", err)
	}
	osUser := "cli:" + currentUser()
	var got []string
	for _, e := range entries {
		if e.Actor != osUser || e.Source != "local" || e.ActorID != 0 {
			t.Fatalf("CLI audit entry %+v, want actor %q from local", e, osUser)
		}
		got = append(got, e.Action)
	}
	want := "[user.promote user.enable user.disable user.reset_password invite.create]"
	if s := "[" + strings.Join(got, " ") + "]"; s != want {
		t.Fatalf("audit actions = %s, want %s", s, want)
	}

	// sessions revoke ends bob's sessions.
	mustCLI(t, srv, "", "sessions", "revoke", "--user", "bob")
	token, _ = bob.Tokens()
	if st := meStatus(t, srv, token); st != http.StatusUnauthorized {
		t.Fatalf("access token after sessions revoke: %d, want 401", st)
	}

	// Bad input: clear messages and a non-zero exit, nothing written.
	for _, tc := range []struct {
		name, stdin, want string
		args              []string
	}{
		{"bad email", password + "\n", "email: must be an email address", []string{"users", "create", "--email", "nope", "--username", "carol"}},
		{"short password", "short\n", "password: must be at least 8 characters", []string{"users", "create", "--email", "carol@example.com", "--username", "carol"}},
		{"taken username", password + "\n", "username", []string{"users", "create", "--email", "carol@example.com", "--username", "bob"}},
		{"unknown user", "", `no user with id, email or username "nobody"`, []string{"users", "disable", "nobody"}},
		{"short reset", "short\n", "password: must be at least 8 characters", []string{"users", "reset-password", "bob"}},
		{"last admin", "", "last instance administrator", []string{"users", "demote", "alice"}},
		{"unknown workspace", "", "workspace not found", []string{"invites", "create", "--workspace", "999"}},
	} {
		if tc.name == "last admin" {
			mustCLI(t, srv, "", "users", "demote", "bob")
		}
		out, errOut, ok := cli(t, srv, tc.stdin, tc.args...)
		if ok || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit ok=%v, stderr %q, want failure naming %q (stdout %q)", tc.name, ok, errOut, tc.want, out)
		}
	}
	if out := mustCLI(t, srv, "", "users", "list"); strings.Contains(out, "carol") || !strings.Contains(out, "bob@example.com") {
		t.Fatalf("users list after refused creates:\n%s", out)
	}

	// A stopped instance: the command works on the database alone, and
	// the server started again sees the change.
	if code, err := srv.Stop(); err != nil || code != 0 {
		t.Fatalf("stop: %d %v", code, err)
	}
	mustCLI(t, srv, password+"\n", "users", "create", "--email", "carol@example.com", "--username", "carol")
	mustCLI(t, srv, "", "users", "disable", "carol")
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = signIn(t, srv, "carol@example.com", password)
	wantStatus(t, "sign in of a user disabled while stopped", err, http.StatusForbidden)
	out = mustCLI(t, srv, "", "workspaces", "list")
	if !strings.Contains(out, "Acme") {
		t.Fatalf("workspaces list:\n%s", out)
	}
}

func currentUser() string {
	u, err := user.Current()
	if err != nil {
		return ""
	}
	return u.Username
}

// field returns the rest of the line of out that starts with prefix.
func field(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q line in:\n%s", prefix, out)
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

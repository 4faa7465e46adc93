// Package mail_test drives the built binary with smtp.* pointing at a
// real SMTP server on loopback: forgot password, the mailed link, and the
// administrator's reset link, on SQLite and Postgres.
package mail_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/mail/smtptest"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const password = "correct horse battery"

func TestResetByMail(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			runReset(t, engine.dbURL(t))
		})
	}
}

func status(err error) int {
	var e *client.APIError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func runReset(t *testing.T, dbURL string) {
	ctx := context.Background()
	relay := smtptest.Start(t, smtptest.Options{Username: "relay", Password: "relay-secret"})
	pwFile := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pwFile, []byte("relay-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := testproc.New(t, testproc.Config{DBURL: dbURL, Env: []string{
		"FECHATTER_SMTP__HOST=" + relay.Host, "FECHATTER_SMTP__PORT=" + strconv.Itoa(relay.Port),
		"FECHATTER_SMTP__USERNAME=relay", "FECHATTER_SMTP__PASSWORD_FILE=" + pwFile,
		"FECHATTER_SMTP__TLS=none", "FECHATTER_SMTP__FROM=Fechatter <chat@example.org>",
		"FECHATTER_SERVER__PUBLIC_URL=https://chat.example.org",
	}})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	admin := client.New(srv.URL())
	if _, err := admin.Setup(ctx, client.SetupInput{Email: "alice@example.com", Password: password, Username: "alice",
		DisplayName: "Alice", WorkspaceName: "Acme", SetupToken: testproc.SetupToken}); err != nil {
		t.Fatal(err)
	}
	wss, err := admin.Workspaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := admin.CreateInvite(ctx, wss[0].ID, client.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bob := client.New(srv.URL())
	if _, err := bob.SignUp(ctx, client.SignUpInput{Email: "bob@example.com", Password: password, Username: "bob", InviteCode: inv.Code}); err != nil {
		t.Fatal(err)
	}
	me, err := bob.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}

	anon := client.New(srv.URL())
	if err := anon.RequestPasswordReset(ctx, "bob@example.com"); err != nil {
		t.Fatalf("forgot password: %v", err)
	}
	got := relay.Wait(t, 1)[0]
	m := regexp.MustCompile(`https://chat\.example\.org/reset-password\?token=(\S+)`).FindStringSubmatch(got.Body)
	if m == nil || got.To[0] != "bob@example.com" {
		t.Fatalf("reset mail to %v:\n%s", got.To, got.Body)
	}
	token, _ := url.QueryUnescape(m[1])
	if err := anon.ConfirmPasswordReset(ctx, token, "bob's new password"); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if _, err := bob.Me(ctx); status(err) != 401 {
		t.Fatalf("bob's old session after the reset: %v", err)
	}
	if err := anon.ConfirmPasswordReset(ctx, token, "again and again"); status(err) != 400 {
		t.Fatalf("link used twice: %v", err)
	}

	// Administrator's link: members are refused, the admin gets one.
	bob2 := client.New(srv.URL())
	if _, err := bob2.SignIn(ctx, "bob@example.com", "bob's new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob2.AdminResetLink(ctx, me.ID); status(err) != 403 {
		t.Fatalf("member asks for a reset link: %v", err)
	}
	link, err := admin.AdminResetLink(ctx, me.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link.URL)
	if err != nil || u.Host != "chat.example.org" || u.Path != "/reset-password" {
		t.Fatalf("admin link %q", link.URL)
	}
	if err := anon.ConfirmPasswordReset(ctx, u.Query().Get("token"), "set by the admin's link"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob2.Me(ctx); status(err) != 401 {
		t.Fatalf("session after the admin's link: %v", err)
	}
	d, err := admin.EmailDigest(ctx)
	if err != nil || !d.Enabled || !d.Active {
		t.Fatalf("digest setting %+v %v", d, err)
	}
}

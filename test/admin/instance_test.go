package admin

import (
	"context"
	"net/http"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// TestInstanceSettingsAPI drives the instance settings and "end
// sessions" through the Go client against the built binary, once per
// storage engine: a member sees no other member's email until the
// administrator shows them, cannot create a workspace once creation is
// for administrators, and an ended session stops the member's token and
// open stream at once.
func TestInstanceSettingsAPI(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			runInstanceSettings(t, engine.dbURL(t))
		})
	}
}

func runInstanceSettings(t *testing.T, dbURL string) {
	ctx := context.Background()
	srv := testproc.New(t, testproc.Config{DBURL: dbURL})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	admin := client.New(srv.URL())
	if _, err := admin.Setup(ctx, client.SetupInput{Email: "alice@example.com", Password: password, Username: "alice",
		DisplayName: "Alice", WorkspaceName: "Acme", SetupToken: testproc.SetupToken}); err != nil {
		t.Fatal(err)
	}
	wss, err := admin.Workspaces(ctx)
	if err != nil || len(wss) != 1 {
		t.Fatalf("workspaces: %v %v", wss, err)
	}
	ws := wss[0].ID
	inv, err := admin.CreateInvite(ctx, ws, client.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bob := client.New(srv.URL())
	if _, err := bob.SignUp(ctx, client.SignUpInput{Email: "bob@example.com", Password: password, Username: "bob", InviteCode: inv.Code}); err != nil {
		t.Fatal(err)
	}

	// emailsSeen maps each member's username to the address bob sees.
	emailsSeen := func() map[string]string {
		t.Helper()
		ms, err := bob.Members(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, m := range ms {
			out[m.User.Username] = m.User.Email
		}
		return out
	}
	if got := emailsSeen(); got["alice"] != "" || got["bob"] != "bob@example.com" {
		t.Fatalf("by default bob sees %v, want only his own address", got)
	}
	_, err = bob.UpdateInstanceSettings(ctx, client.InstanceSettingsPatch{ShowMemberEmails: ptr(true)})
	wantStatus(t, "a member changing settings", err, http.StatusForbidden)
	if _, err := admin.UpdateInstanceSettings(ctx, client.InstanceSettingsPatch{ShowMemberEmails: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if got := emailsSeen(); got["alice"] != "alice@example.com" {
		t.Fatalf("with emails shown bob sees %v", got)
	}

	if _, err := admin.UpdateInstanceSettings(ctx, client.InstanceSettingsPatch{WorkspaceCreation: ptr("admins")}); err != nil {
		t.Fatal(err)
	}
	if info, err := bob.Instance(ctx); err != nil || info.CanCreateWorkspace {
		t.Fatalf("bob's instance info %+v %v", info, err)
	}
	_, err = bob.CreateWorkspace(ctx, "Side project")
	wantStatus(t, "a member creating a workspace when only admins may", err, http.StatusForbidden)
	st, err := admin.InstanceSettings(ctx)
	if err != nil || st.WorkspaceCreation != "admins" || !st.ShowMemberEmails || st.UpdatedAt == nil {
		t.Fatalf("settings read back %+v %v", st, err)
	}

	// End sessions: bob's token and open stream stop at once.
	stream, err := bob.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if ev, err := stream.Next(); err != nil || ev.Type != "ready" {
		t.Fatalf("first event %+v %v", ev, err)
	}
	token, _ := bob.Tokens()
	me, err := bob.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.RevokeUserSessions(ctx, me.ID); err != nil {
		t.Fatal(err)
	}
	if st := meStatus(t, srv, token); st != http.StatusUnauthorized {
		t.Fatalf("an ended session's access token: %d, want 401", st)
	}
	streamEnds(t, stream)
	_, err = bob.Refresh(ctx)
	wantStatus(t, "refresh after the sessions ended", err, http.StatusUnauthorized)
	if _, err := signIn(t, srv, "bob@example.com", password); err != nil {
		t.Fatalf("sign in again after the sessions ended: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

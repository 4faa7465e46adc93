package blackbox

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
)

// password is every walker's password (long, not a common one).
const password = "blackbox walker passphrase 42"

// user is one person of the walk with their own client.
type user struct {
	c     *client.Client
	u     model.User
	email string
}

// walk is the state shared by the steps of one engine's run.
type walk struct {
	srv *server
	ctx context.Context

	alice, bob, carol, dave *user
	wsA, wsB                client.Workspace

	general, secret, dm, group model.ChatSummary
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantStatus checks that err is an API error with the given status.
func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	if got := client.StatusOf(err); got != status {
		t.Errorf("%s: got status %d (err %v), want %d", what, got, err, status)
	}
}

// signUp creates an account with an invite code.
func (w *walk) signUp(t *testing.T, name, code string) *user {
	t.Helper()
	c := w.srv.client()
	email := name + "@example.com"
	s, err := c.SignUp(w.ctx, client.SignUpInput{
		Email: email, Password: password, Username: name, DisplayName: name + " Example", InviteCode: code,
	})
	mustDo(t, err)
	if s.User.Username != name || s.AccessToken == "" || s.RefreshToken == "" {
		t.Fatalf("sign-up of %s answered %+v", name, s)
	}
	return &user{c: c, u: s.User, email: email}
}

// signIn starts another session of u on a new client.
func (w *walk) signIn(t *testing.T, u *user) *client.Client {
	t.Helper()
	c := w.srv.client()
	_, err := c.SignIn(w.ctx, u.email, password)
	mustDo(t, err)
	return c
}

func (w *walk) setup(t *testing.T) {
	c := w.srv.client()
	if !w.setupNeeded(t) {
		t.Fatal("fresh server says setup is not needed")
	}
	form := client.SetupInput{
		Email: "alice@example.com", Password: password, Username: "alice", DisplayName: "Alice", WorkspaceName: "Acme",
	}
	_, err := c.Setup(w.ctx, form)
	wantStatus(t, "setup without the setup token", err, 403)
	form.SetupToken = w.srv.setupToken(t)
	s, err := c.Setup(w.ctx, form)
	mustDo(t, err)
	if s.TokenType != "Bearer" || s.AccessToken == "" || s.RefreshToken == "" || s.ExpiresIn <= 0 || s.User.Username != "alice" {
		t.Fatalf("setup session = %+v", s)
	}
	w.alice = &user{c: c, u: s.User, email: "alice@example.com"}
	if w.setupNeeded(t) {
		t.Error("setup still needed after setup")
	}
	_, err = w.srv.client().Setup(w.ctx, client.SetupInput{
		Email: "mallory@example.com", Password: password, Username: "mallory", DisplayName: "M", WorkspaceName: "Mine",
		SetupToken: form.SetupToken,
	})
	wantStatus(t, "second setup", err, 409)
	me, err := c.Me(w.ctx)
	mustDo(t, err)
	if me.ID != s.User.ID {
		t.Errorf("me = %+v, want user %d", me, s.User.ID)
	}
	wss, err := c.Workspaces(w.ctx)
	mustDo(t, err)
	if len(wss) != 1 || wss[0].Name != "Acme" || wss[0].Role != model.RoleOwner {
		t.Fatalf("alice's workspaces = %+v", wss)
	}
	w.wsA = wss[0]
}

func (w *walk) inviteAndSignUp(t *testing.T) {
	inv, err := w.alice.c.CreateInvite(w.ctx, w.wsA.ID, client.InviteOptions{MaxUses: 5, ExpiresInHours: 24})
	mustDo(t, err)
	if inv.Code == "" || !inv.ExpiresAt.After(time.Now()) {
		t.Fatalf("invite = %+v", inv)
	}
	ws, err := w.srv.client().LookupInvite(w.ctx, inv.Code)
	mustDo(t, err)
	if ws.ID != w.wsA.ID || ws.Name != "Acme" {
		t.Errorf("invite leads to %+v, want workspace %d Acme", ws, w.wsA.ID)
	}
	_, err = w.srv.client().LookupInvite(w.ctx, "no-such-code")
	wantStatus(t, "lookup of an unknown code", err, 404)
	_, err = w.srv.client().SignUp(w.ctx, client.SignUpInput{
		Email: "nocode@example.com", Password: password, Username: "nocode", DisplayName: "No Code",
	})
	wantStatus(t, "sign-up without invite (open sign-up off)", err, 403)

	w.bob = w.signUp(t, "bob", inv.Code)
	w.dave = w.signUp(t, "dave", inv.Code)
	wss, err := w.bob.c.Workspaces(w.ctx)
	mustDo(t, err)
	if len(wss) != 1 || wss[0].ID != w.wsA.ID || wss[0].Role != model.RoleMember {
		t.Errorf("bob's workspaces = %+v, want Acme as member", wss)
	}
	want := map[string]model.Role{"alice": model.RoleOwner, "bob": model.RoleMember, "dave": model.RoleMember}
	for _, u := range []*user{w.alice, w.bob} {
		if got := w.roles(t, u, w.wsA.ID); !sameRoles(got, want) {
			t.Errorf("%s lists members %v, want %v", u.u.Username, got, want)
		}
	}
}

// humanRoles maps the usernames of non-bot members to their roles.
func humanRoles(ms []model.Member) map[string]model.Role {
	out := map[string]model.Role{}
	for _, m := range ms {
		if !m.User.IsBot {
			out[m.User.Username] = m.Role
		}
	}
	return out
}

func sameRoles(a, b map[string]model.Role) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (w *walk) memberRoles(t *testing.T) {
	m, err := w.alice.c.SetMemberRole(w.ctx, w.wsA.ID, w.bob.u.ID, model.RoleAdmin)
	mustDo(t, err)
	if m.Role != model.RoleAdmin || m.User.ID != w.bob.u.ID {
		t.Errorf("promote answered %+v", m)
	}
	ws, err := w.bob.c.Workspace(w.ctx, w.wsA.ID)
	mustDo(t, err)
	if ws.Role != model.RoleAdmin {
		t.Errorf("bob sees his role as %q, want admin", ws.Role)
	}
	_, err = w.bob.c.CreateInvite(w.ctx, w.wsA.ID, client.InviteOptions{}) // admins may invite
	mustDo(t, err)
	m, err = w.alice.c.SetMemberRole(w.ctx, w.wsA.ID, w.bob.u.ID, model.RoleMember)
	mustDo(t, err)
	if m.Role != model.RoleMember {
		t.Errorf("demote answered %+v", m)
	}
	_, err = w.bob.c.CreateInvite(w.ctx, w.wsA.ID, client.InviteOptions{})
	wantStatus(t, "member creates invite", err, 403)
	_, err = w.bob.c.SetMemberRole(w.ctx, w.wsA.ID, w.dave.u.ID, model.RoleAdmin)
	wantStatus(t, "member promotes someone", err, 403)
	_, err = w.alice.c.SetMemberRole(w.ctx, w.wsA.ID, w.alice.u.ID, model.RoleAdmin)
	wantStatus(t, "last owner demotes herself", err, 409)
	err = w.alice.c.RemoveMember(w.ctx, w.wsA.ID, w.alice.u.ID)
	wantStatus(t, "last owner removes herself", err, 409)
}

func (w *walk) refreshReuse(t *testing.T) {
	c := w.signIn(t, w.bob)
	_, r0 := c.Tokens()
	_, err := c.Refresh(w.ctx)
	mustDo(t, err)
	_, r1 := c.Tokens()
	_, err = c.Refresh(w.ctx)
	mustDo(t, err)
	_, r2 := c.Tokens()
	if r0 == r1 || r1 == r2 {
		t.Fatal("refresh did not rotate the refresh token")
	}
	// The server accepts a spent token again for a short grace window (two
	// tabs refreshing at once, a lost answer); after it, presenting the
	// spent token is reuse. Poll until the window has passed.
	testproc.Eventually(t, 60*time.Second, func() error {
		_, err := client.New(w.srv.url, client.WithTokens("", r0)).Refresh(w.ctx)
		if err == nil {
			return errors.New("a spent refresh token is still accepted")
		}
		wantStatus(t, "reuse of a spent refresh token", err, 401)
		return nil
	})
	_, err = client.New(w.srv.url, client.WithTokens("", r2)).Refresh(w.ctx)
	wantStatus(t, "newest token of a family revoked for reuse", err, 401)
}

func (w *walk) logoutAll(t *testing.T) {
	one := w.signIn(t, w.dave)
	_, oneRefresh := one.Tokens()
	mustDo(t, one.Logout(w.ctx))
	_, err := client.New(w.srv.url, client.WithTokens("", oneRefresh)).Refresh(w.ctx)
	wantStatus(t, "refresh after logout", err, 401)

	a, b := w.signIn(t, w.dave), w.signIn(t, w.dave)
	access, refresh := a.Tokens()
	mustDo(t, b.LogoutAll(w.ctx))
	_, err = client.New(w.srv.url, client.WithTokens(access, "")).Me(w.ctx)
	wantStatus(t, "access token after logout-all", err, 401)
	_, err = client.New(w.srv.url, client.WithTokens("", refresh)).Refresh(w.ctx)
	wantStatus(t, "refresh token after logout-all", err, 401)
	_, err = w.dave.c.Me(w.ctx)
	wantStatus(t, "sign-up session after logout-all", err, 401)

	w.dave.c = w.signIn(t, w.dave)
	me, err := w.dave.c.Me(w.ctx)
	mustDo(t, err)
	if me.ID != w.dave.u.ID {
		t.Errorf("after signing in again me = %+v", me)
	}
	w.revokeOtherSession(t)
}

// revokeOtherSession: dave, signed in once since logout-all, signs in on a
// second device, sees both sessions and ends the other one.
func (w *walk) revokeOtherSession(t *testing.T) {
	other := w.signIn(t, w.dave)
	sessions, err := w.dave.c.Sessions(w.ctx)
	mustDo(t, err)
	var current, others []int64
	for _, s := range sessions {
		if s.Current {
			current = append(current, s.ID)
		} else {
			others = append(others, s.ID)
		}
	}
	if len(current) != 1 || len(others) != 1 {
		t.Fatalf("sessions after logout-all and two sign-ins = %+v, want one current and one other", sessions)
	}
	mustDo(t, w.dave.c.RevokeSession(w.ctx, others[0]))
	_, refresh := other.Tokens()
	_, err = client.New(w.srv.url, client.WithTokens("", refresh)).Refresh(w.ctx)
	wantStatus(t, "refresh of a revoked session", err, 401)
	wantStatus(t, "revoke a session that is not there", w.dave.c.RevokeSession(w.ctx, others[0]+1000), 404)
	if _, err := w.dave.c.Me(w.ctx); err != nil {
		t.Errorf("the current session after revoking the other: %v", err)
	}
}

func (w *walk) shutdown(t *testing.T) {
	if code := w.srv.stop(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
}

// chatIn finds a chat by id in a list.
func chatIn(chats []model.ChatSummary, id int64) (model.ChatSummary, bool) {
	i := slices.IndexFunc(chats, func(c model.ChatSummary) bool { return c.ID == id })
	if i < 0 {
		return model.ChatSummary{}, false
	}
	return chats[i], true
}

// listed reports whether a chat list (Chats or Channels of a client) of
// workspace A holds chatID.
func (w *walk) listed(t *testing.T, list func(context.Context, int64) ([]model.ChatSummary, error), chatID int64) bool {
	t.Helper()
	chats, err := list(w.ctx, w.wsA.ID)
	mustDo(t, err)
	_, ok := chatIn(chats, chatID)
	return ok
}

// roles lists a workspace's human members as u sees them.
func (w *walk) roles(t *testing.T, u *user, wsID int64) map[string]model.Role {
	t.Helper()
	ms, err := u.c.Members(w.ctx, wsID)
	mustDo(t, err)
	return humanRoles(ms)
}

func (w *walk) setupNeeded(t *testing.T) bool {
	t.Helper()
	needed, err := w.srv.client().SetupNeeded(w.ctx)
	mustDo(t, err)
	return needed
}

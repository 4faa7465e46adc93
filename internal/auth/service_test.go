package auth

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// opener returns a fresh, migrated, empty store closed at the test's end.
type opener func(t testing.TB) storage.Store

// openSQLite opens a temp-file SQLite store.
func openSQLite(t testing.TB) storage.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "auth.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return st
}

// storage.Store must satisfy the consumer-side interface.
var _ Store = storage.Store(nil)

func TestServiceSQLite(t *testing.T) { runServiceTests(t, openSQLite) }

// env is one service over one store with a settable clock.
type env struct {
	st  storage.Store
	clk *testClock
	svc *Service
}

const (
	pwAlice = "alice's long password"
	pwBob   = "bob's other password"
)

func newEnv(t testing.TB, open opener, mod func(*Config)) *env {
	t.Helper()
	e := &env{st: open(t), clk: newTestClock()}
	cfg := Config{
		SigningKey: testKey, Now: e.clk.Now, Argon: fastArgon,
		SignInPerAccountIP: RateSpec{Burst: -1}, SignInPerIP: RateSpec{Burst: -1}, SignInGlobal: RateSpec{Burst: -1},
	}
	if mod != nil {
		mod(&cfg)
	}
	e.svc = New(e.st, cfg)
	return e
}

// user creates an account with the service's current hash parameters.
func (e *env) user(t testing.TB, email, pw string) model.User {
	t.Helper()
	h, err := e.svc.HashPassword(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Split(email, "@")[0]
	u := model.User{Email: email, Username: name, DisplayName: name, PasswordHash: h}
	if err := e.st.CreateUser(context.Background(), &u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// signIn signs in and fails the test on error.
func (e *env) signIn(t testing.TB, email, pw string) Grant {
	t.Helper()
	g, err := e.svc.SignIn(context.Background(), email, pw, ClientMeta{UserAgent: "test", IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	return g
}

// wantKind fails unless err carries kind k (and message msg, if set).
func wantKind(t testing.TB, err error, k apperr.Kind, msg string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != k || (msg != "" && ae.Message != msg) {
		t.Fatalf("error = %v, want kind %s %q", err, k.Code(), msg)
	}
}

func runServiceTests(t *testing.T, open opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, opener)
	}{
		{"SignIn", testSignIn},
		{"UnknownEmailStillHashes", testUnknownEmailHashes},
		{"RehashOnParamChange", testRehash},
		{"RefreshRotation", testRefreshRotation},
		{"RefreshReuseRevokesFamily", testRefreshReuse},
		{"RefreshGraceWindow", testRefreshGrace},
		{"RefreshConcurrentTabs", testRefreshConcurrent},
		{"RefreshRejects", testRefreshRejects},
		{"Authenticate", testAuthenticate},
		{"LogoutAllKillsAccessTokens", testLogoutAll},
		{"Logout", testLogout},
		{"ChangePassword", testChangePassword},
		{"SessionsOnlyOwn", testSessionsOnlyOwn},
		{"SessionFromRefresh", testSessionFromRefresh},
		{"Disabled", testDisabled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

func testSignIn(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	alice := e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	for _, tc := range []struct {
		name, email, pw string
		ok              bool
	}{
		{"right", "alice@example.com", pwAlice, true},
		{"email case and spaces", "  Alice@Example.COM ", pwAlice, true},
		{"wrong password", "alice@example.com", pwBob, false},
		{"unknown email", "nobody@example.com", pwAlice, false},
		{"empty email", "", pwAlice, false},
		{"empty password", "alice@example.com", "", false},
		{"oversized password", "alice@example.com", strings.Repeat("x", 10000), false},
		{"oversized email", strings.Repeat("a", 400) + "@example.com", pwAlice, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := e.svc.SignIn(ctx, tc.email, tc.pw, ClientMeta{UserAgent: "ua", IP: "192.0.2.1"})
			if !tc.ok {
				wantKind(t, err, apperr.KindUnauthorized, "invalid email or password")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.User.ID != alice.ID || g.SessionID == 0 || g.AccessToken == "" || g.RefreshToken == "" ||
				g.ExpiresIn != 15*time.Minute || !g.RefreshExpiresAt.Equal(e.clk.Now().Add(30*24*time.Hour).Truncate(time.Microsecond)) {
				t.Fatalf("grant = %+v", g)
			}
			if g.User.PasswordHash != "" {
				t.Fatal("grant carries the password hash")
			}
			p, err := e.svc.Authenticate(ctx, g.AccessToken)
			if err != nil || p.UserID != alice.ID || p.SessionID != g.SessionID {
				t.Fatalf("Authenticate = %+v, %v", p, err)
			}
		})
	}
}

// testUnknownEmailHashes shows, without timing, that a sign-in for an
// unknown email or a bot (no hash) does the same argon2id work as a wrong
// password: exactly one derivation each.
func testUnknownEmailHashes(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	bot := model.User{Email: "bot@example.com", Username: "bot", DisplayName: "bot", IsBot: true}
	if err := e.st.CreateUser(context.Background(), &bot); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"alice@example.com", "nobody@example.com", "bot@example.com"} {
		before := e.svc.hasher.runs.Load()
		_, err := e.svc.SignIn(context.Background(), email, "wrong password", ClientMeta{})
		wantKind(t, err, apperr.KindUnauthorized, "invalid email or password")
		if n := e.svc.hasher.runs.Load() - before; n != 1 {
			t.Fatalf("%s: %d argon2id runs, want 1", email, n)
		}
	}
}

func testRehash(t *testing.T, open opener) {
	old := ArgonParams{Memory: 32, Time: 1, Threads: 1}
	e := newEnv(t, open, func(c *Config) { c.Argon = old })
	u := e.user(t, "alice@example.com", pwAlice)
	// The operator raises the parameters; the next sign-in rehashes.
	e.svc = New(e.st, Config{SigningKey: testKey, Now: e.clk.Now, Argon: fastArgon})
	e.signIn(t, "alice@example.com", pwAlice)
	got, err := e.st.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PasswordHash == u.PasswordHash || !strings.HasPrefix(got.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash not upgraded: %q -> %q", u.PasswordHash, got.PasswordHash)
	}
	e.signIn(t, "alice@example.com", pwAlice)
	again, _ := e.st.UserByID(context.Background(), u.ID)
	if again.PasswordHash != got.PasswordHash {
		t.Fatal("hash rewritten although its parameters are current")
	}
	_, err = e.svc.SignIn(context.Background(), "alice@example.com", pwBob, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "invalid email or password")
}

func testRefreshRotation(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	g1 := e.signIn(t, "alice@example.com", pwAlice)
	e.clk.Advance(time.Hour)
	g2, err := e.svc.Refresh(ctx, g1.RefreshToken, ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if g2.SessionID != g1.SessionID || g2.RefreshToken == g1.RefreshToken || g2.AccessToken == g1.AccessToken {
		t.Fatalf("rotation: %+v -> %+v", g1, g2)
	}
	if want := e.clk.Now().Add(30 * 24 * time.Hour).Truncate(time.Microsecond); !g2.RefreshExpiresAt.Equal(want) {
		t.Fatalf("sliding expiry %v, want %v", g2.RefreshExpiresAt, want)
	}
	if g2.User.Email != "alice@example.com" {
		t.Fatalf("grant user = %+v", g2.User)
	}
	if _, err := e.svc.Authenticate(ctx, g2.AccessToken); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour)
	if _, err := e.svc.Refresh(ctx, g2.RefreshToken, ClientMeta{}); err != nil {
		t.Fatalf("refresh the successor: %v", err)
	}
	list, err := e.svc.Sessions(ctx, g1.User.ID)
	if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(e.clk.Now().Truncate(time.Microsecond)) {
		t.Fatalf("sessions = %+v, %v", list, err)
	}
}

func testRefreshReuse(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	g1 := e.signIn(t, "alice@example.com", pwAlice)
	other := e.signIn(t, "alice@example.com", pwAlice) // another device
	g2, err := e.svc.Refresh(ctx, g1.RefreshToken, ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(11 * time.Second) // past ReuseGrace
	_, err = e.svc.Refresh(ctx, g1.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "refresh token reuse detected")
	// The revocation was committed: the legitimate successor is dead too.
	_, err = e.svc.Refresh(ctx, g2.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "")
	list, err := e.svc.Sessions(ctx, g1.User.ID)
	if err != nil || len(list) != 1 || list[0].ID != other.SessionID {
		t.Fatalf("sessions after reuse = %+v, %v; want only the other device", list, err)
	}
	if _, err := e.svc.Refresh(ctx, other.RefreshToken, ClientMeta{}); err != nil {
		t.Fatalf("other family: %v", err)
	}
}

func testRefreshGrace(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	g1 := e.signIn(t, "alice@example.com", pwAlice)
	g2, err := e.svc.Refresh(ctx, g1.RefreshToken, ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(10 * time.Second) // exactly ReuseGrace: still allowed
	g3, err := e.svc.Refresh(ctx, g1.RefreshToken, ClientMeta{})
	if err != nil {
		t.Fatalf("predecessor within grace: %v", err)
	}
	// The second presenter gets the successor the first one got: the
	// family has one live branch, not two.
	if g3.SessionID != g1.SessionID || g3.RefreshToken != g2.RefreshToken || g3.AccessToken == "" {
		t.Fatalf("grace refresh = %+v, want the successor %q", g3, g2.RefreshToken)
	}
	if !g3.RefreshExpiresAt.Equal(g2.RefreshExpiresAt) {
		t.Fatalf("grace refresh expiry %v, want the session's %v", g3.RefreshExpiresAt, g2.RefreshExpiresAt)
	}
	if _, err := e.svc.Authenticate(ctx, g3.AccessToken); err != nil {
		t.Fatalf("access token of a grace refresh: %v", err)
	}
	g4, err := e.svc.Refresh(ctx, g2.RefreshToken, ClientMeta{})
	if err != nil {
		t.Fatalf("successor after a grace refresh: %v", err)
	}
	// Within the grace of g1's use still, g1 now leads to the newest token.
	g5, err := e.svc.Refresh(ctx, g1.RefreshToken, ClientMeta{})
	if err != nil || g5.RefreshToken != g4.RefreshToken {
		t.Fatalf("grace refresh after a further rotation = %q, %v; want the newest %q", g5.RefreshToken, err, g4.RefreshToken)
	}
	// The copy the second presenter holds (g3 = g2) is a used token like
	// any other: past the grace it is reuse and ends the family.
	e.clk.Advance(11 * time.Second)
	_, err = e.svc.Refresh(ctx, g3.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "refresh token reuse detected")
	_, err = e.svc.Refresh(ctx, g4.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "")
}

func testRefreshConcurrent(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	g := e.signIn(t, "alice@example.com", pwAlice)
	const tabs = 4
	var wg sync.WaitGroup
	errs := make(chan error, tabs)
	tokens := make(chan string, tabs)
	for range tabs {
		wg.Go(func() {
			g, err := e.svc.Refresh(context.Background(), g.RefreshToken, ClientMeta{})
			errs <- err
			tokens <- g.RefreshToken
		})
	}
	wg.Wait()
	close(errs)
	close(tokens)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent refresh within grace: %v", err)
		}
	}
	seen := map[string]bool{}
	for tok := range tokens {
		seen[tok] = true
	}
	if len(seen) != 1 {
		t.Fatalf("%d tabs got %d different refresh tokens, want one", tabs, len(seen))
	}
	list, err := e.svc.Sessions(context.Background(), g.User.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions = %+v, %v", list, err)
	}
}

func testRefreshRejects(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	g := e.signIn(t, "alice@example.com", pwAlice)
	unknown, _ := newRefreshToken()
	for _, tok := range []string{"", "short", strings.Repeat("A", 43) + "=", "!" + g.RefreshToken[1:], unknown, strings.Repeat("x", 5000)} {
		_, err := e.svc.Refresh(ctx, tok, ClientMeta{})
		wantKind(t, err, apperr.KindUnauthorized, "invalid or expired refresh token")
	}
	e.clk.Advance(30*24*time.Hour + time.Second)
	_, err := e.svc.Refresh(ctx, g.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "invalid or expired refresh token")
}

func testAuthenticate(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	g := e.signIn(t, "alice@example.com", pwAlice)
	if _, err := e.svc.Authenticate(ctx, g.AccessToken); err != nil {
		t.Fatal(err)
	}
	// A correctly signed token for a user that does not exist.
	ghost, err := e.svc.tokens.sign(9999, 1, e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authenticate(ctx, ghost)
	wantKind(t, err, apperr.KindUnauthorized, "")
	e.clk.Advance(15*time.Minute + clockSkew + time.Second)
	_, err = e.svc.Authenticate(ctx, g.AccessToken)
	wantKind(t, err, apperr.KindUnauthorized, "")
}

func testLogoutAll(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	a := e.signIn(t, "alice@example.com", pwAlice)
	b := e.signIn(t, "alice@example.com", pwAlice)
	// The clock does not move: the cut must still separate before from after.
	if err := e.svc.LogoutAll(ctx, a.User.ID); err != nil {
		t.Fatal(err)
	}
	for _, g := range []Grant{a, b} {
		_, err := e.svc.Authenticate(ctx, g.AccessToken)
		wantKind(t, err, apperr.KindUnauthorized, "")
		_, err = e.svc.Refresh(ctx, g.RefreshToken, ClientMeta{})
		wantKind(t, err, apperr.KindUnauthorized, "")
	}
	if list, err := e.svc.Sessions(ctx, a.User.ID); err != nil || len(list) != 0 {
		t.Fatalf("sessions after logout-all = %+v, %v", list, err)
	}
	c := e.signIn(t, "alice@example.com", pwAlice) // same instant, after the cut
	if _, err := e.svc.Authenticate(ctx, c.AccessToken); err != nil {
		t.Fatalf("token issued right after logout-all: %v", err)
	}
	// A second logout-all in the same instant still ends c.
	if err := e.svc.LogoutAll(ctx, a.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Authenticate(ctx, c.AccessToken)
	wantKind(t, err, apperr.KindUnauthorized, "")
	wantKind(t, e.svc.LogoutAll(ctx, 9999), apperr.KindNotFound, "")
}

func testLogout(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	a := e.signIn(t, "alice@example.com", pwAlice)
	b := e.signIn(t, "alice@example.com", pwAlice)
	p, err := e.svc.Authenticate(ctx, a.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := e.svc.Logout(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.svc.Refresh(ctx, a.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "")
	if _, err := e.svc.Refresh(ctx, b.RefreshToken, ClientMeta{}); err != nil {
		t.Fatalf("other session after logout: %v", err)
	}
}

func testChangePassword(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	a := e.signIn(t, "alice@example.com", pwAlice)
	b := e.signIn(t, "alice@example.com", pwAlice)
	p, err := e.svc.Authenticate(ctx, a.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	const next = "a brand new password"
	for _, tc := range []struct {
		name, current, next, field string
	}{
		{"wrong current", pwBob, next, "current_password"},
		{"new too short", pwAlice, "short", "new_password"},
		{"new too long", pwAlice, strings.Repeat("n", 257), "new_password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.svc.ChangePassword(ctx, p, tc.current, tc.next)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid || ae.Fields[tc.field] == "" {
				t.Fatalf("ChangePassword = %v, want invalid on %s", err, tc.field)
			}
		})
	}
	if err := e.svc.ChangePassword(ctx, p, pwAlice, next); err != nil {
		t.Fatal(err)
	}
	// Every access token issued so far is dead, the caller's included.
	for _, g := range []Grant{a, b} {
		_, err := e.svc.Authenticate(ctx, g.AccessToken)
		wantKind(t, err, apperr.KindUnauthorized, "")
	}
	// The other session ended; the caller's session lives on.
	_, err = e.svc.Refresh(ctx, b.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "")
	a2, err := e.svc.Refresh(ctx, a.RefreshToken, ClientMeta{}) // same instant as the change
	if err != nil {
		t.Fatalf("caller's refresh after password change: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, a2.AccessToken); err != nil {
		t.Fatalf("caller's new access token: %v", err)
	}
	_, err = e.svc.SignIn(ctx, "alice@example.com", pwAlice, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "invalid email or password")
	e.signIn(t, "alice@example.com", next)
}

func testSessionsOnlyOwn(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	e.user(t, "alice@example.com", pwAlice)
	e.user(t, "bob@example.com", pwBob)
	ctx := context.Background()
	a1 := e.signIn(t, "alice@example.com", pwAlice)
	e.clk.Advance(time.Second)
	a2 := e.signIn(t, "alice@example.com", pwAlice)
	b1 := e.signIn(t, "bob@example.com", pwBob)
	list, err := e.svc.Sessions(ctx, a1.User.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("alice's sessions = %+v, %v", list, err)
	}
	for _, s := range list {
		if s.ID == b1.SessionID || s.UserAgent != "test" || s.IP != "192.0.2.1" {
			t.Fatalf("session %+v", s)
		}
	}
	wantKind(t, e.svc.RevokeSession(ctx, a1.User.ID, b1.SessionID), apperr.KindNotFound, "")
	wantKind(t, e.svc.RevokeSession(ctx, a1.User.ID, 0), apperr.KindNotFound, "")
	wantKind(t, e.svc.RevokeSession(ctx, a1.User.ID, 1<<40), apperr.KindNotFound, "")
	if _, err := e.svc.Refresh(ctx, b1.RefreshToken, ClientMeta{}); err != nil {
		t.Fatalf("bob's session after alice's attempt: %v", err)
	}
	if err := e.svc.RevokeSession(ctx, a1.User.ID, a2.SessionID); err != nil {
		t.Fatal(err)
	}
	list, err = e.svc.Sessions(ctx, a1.User.ID)
	if err != nil || len(list) != 1 || list[0].ID != a1.SessionID {
		t.Fatalf("alice's sessions after revoke = %+v, %v", list, err)
	}
	_, err = e.svc.Refresh(ctx, a2.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "")
}

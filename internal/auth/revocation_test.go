package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/storage"
)

func TestRevocationSQLite(t *testing.T)   { runRevocationTests(t, openSQLite) }
func TestRevocationPostgres(t *testing.T) { runRevocationTests(t, openPostgres) }

func runRevocationTests(t *testing.T, open opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, opener)
	}{
		{"EndedSessionStopsItsAccessTokenAtOnce", testEndedSessionStopsAccessToken},
		{"EveryRevocationIsAnnouncedAfterCommit", testRevocationsAnnounced},
		{"OtherNodeForgetsOnNotice", testOtherNodeForgets},
		{"CacheExpires", testSessionCacheExpires},
		{"CheckPrincipal", testCheckPrincipal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

// recorder is an auth.Revocations that remembers what it was told and
// checks that the change had committed by then.
type recorder struct {
	st        storage.Store
	mu        sync.Mutex
	got       [][2]int64
	committed []error
	fail      error
}

func (r *recorder) Revoke(ctx context.Context, userID, sessionID int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, [2]int64{userID, sessionID})
	if sessionID > 0 {
		s, err := r.st.SessionByID(ctx, userID, sessionID)
		if err == nil && s.RevokedAt == nil {
			err = errors.New("session not revoked yet")
		}
		r.committed = append(r.committed, err)
	} else {
		u, err := r.st.UserByID(ctx, userID)
		if err == nil && u.TokensValidAfter.IsZero() {
			err = errors.New("tokens_valid_after not set yet")
		}
		r.committed = append(r.committed, err)
	}
	return r.fail
}

func (r *recorder) take() [][2]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

// testEndedSessionStopsAccessToken: after Logout or RevokeSession the
// session's access token is refused by the very next request, although it
// was cached as live a moment before; other sessions go on.
func testEndedSessionStopsAccessToken(t *testing.T, open opener) {
	ctx := context.Background()
	for _, end := range []struct {
		name string
		fn   func(e *env, p Principal) error
	}{
		{"logout", func(e *env, p Principal) error { return e.svc.Logout(ctx, p) }},
		{"revoke session", func(e *env, p Principal) error { return e.svc.RevokeSession(ctx, p.UserID, p.SessionID) }},
	} {
		t.Run(end.name, func(t *testing.T) {
			e := newEnv(t, open, nil)
			e.user(t, "alice@example.com", pwAlice)
			a := e.signIn(t, "alice@example.com", pwAlice)
			b := e.signIn(t, "alice@example.com", pwAlice)
			p, err := e.svc.Authenticate(ctx, a.AccessToken) // now cached as live
			if err != nil {
				t.Fatal(err)
			}
			if err := end.fn(e, p); err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.Authenticate(ctx, a.AccessToken)
			wantKind(t, err, apperr.KindUnauthorized, "invalid or expired access token")
			if _, err := e.svc.Authenticate(ctx, b.AccessToken); err != nil {
				t.Fatalf("the other session's token: %v", err)
			}
		})
	}
}

// testRevocationsAnnounced: each way credentials end tells Revocations
// which user and session, once the change is in the store; a failure to
// tell does not fail the revocation.
func testRevocationsAnnounced(t *testing.T, open opener) {
	ctx := context.Background()
	e := newEnv(t, open, nil)
	rec := &recorder{st: e.st, fail: errors.New("nats is down")}
	e.svc.SetRevocations(rec)
	alice := e.user(t, "alice@example.com", pwAlice)
	a := e.signIn(t, "alice@example.com", pwAlice)
	b := e.signIn(t, "alice@example.com", pwAlice)
	pa, _ := e.svc.Authenticate(ctx, a.AccessToken)
	var reuseSession int64 // the session the reuse step revokes (want -1)
	steps := []struct {
		name string
		fn   func() error
		want [2]int64
	}{
		{"logout", func() error { return e.svc.Logout(ctx, pa) }, [2]int64{alice.ID, a.SessionID}},
		{"revoke session", func() error { return e.svc.RevokeSession(ctx, alice.ID, b.SessionID) }, [2]int64{alice.ID, b.SessionID}},
		{"refresh token reused", func() error {
			c := e.signIn(t, "alice@example.com", pwAlice)
			if _, err := e.svc.Refresh(ctx, c.RefreshToken, ClientMeta{}); err != nil {
				return err
			}
			e.clk.Advance(11 * time.Second) // past the default ReuseGrace
			_, err := e.svc.Refresh(ctx, c.RefreshToken, ClientMeta{})
			wantKind(t, err, apperr.KindUnauthorized, "")
			reuseSession = c.SessionID
			return nil
		}, [2]int64{alice.ID, -1}},
		{"logout-all", func() error { return e.svc.LogoutAll(ctx, alice.ID) }, [2]int64{alice.ID, 0}},
		{"password change", func() error {
			c := e.signIn(t, "alice@example.com", pwAlice)
			pc, err := e.svc.Authenticate(ctx, c.AccessToken)
			if err != nil {
				return err
			}
			return e.svc.ChangePassword(ctx, pc, pwAlice, "a brand new password")
		}, [2]int64{alice.ID, 0}},
	}
	for _, st := range steps {
		if err := st.fn(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if st.want[1] == -1 {
			st.want[1] = reuseSession
		}
		if got := rec.take(); len(got) != 1 || got[0] != st.want {
			t.Fatalf("%s announced %v, want [%v]", st.name, got, st.want)
		}
	}
	for _, err := range rec.committed {
		if err != nil {
			t.Fatalf("announced before the change was visible: %v", err)
		}
	}
	// Nothing is announced for what did not happen.
	wantKind(t, e.svc.RevokeSession(ctx, alice.ID, 1<<40), apperr.KindNotFound, "")
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("a failed revoke announced %v", got)
	}
}

// testOtherNodeForgets: two services over one store are two nodes. A
// session ended on one stays cached as live on the other until the notice
// (ForgetSession) arrives; then the other refuses its token at once.
func testOtherNodeForgets(t *testing.T, open opener) {
	ctx := context.Background()
	e := newEnv(t, open, nil)
	other := New(e.st, e.svc.cfg)
	e.user(t, "alice@example.com", pwAlice)
	a := e.signIn(t, "alice@example.com", pwAlice)
	p, err := other.Authenticate(ctx, a.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Logout(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Authenticate(ctx, a.AccessToken); err != nil {
		t.Fatalf("before the notice the other node answers from its cache: %v", err)
	}
	other.ForgetSession(p.UserID, p.SessionID)
	_, err = other.Authenticate(ctx, a.AccessToken)
	wantKind(t, err, apperr.KindUnauthorized, "")

	// A user-wide notice forgets every session of the user.
	b := e.signIn(t, "alice@example.com", pwAlice)
	pb, err := other.Authenticate(ctx, b.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RevokeSession(ctx, pb.UserID, pb.SessionID); err != nil {
		t.Fatal(err)
	}
	other.ForgetSession(pb.UserID, 0)
	_, err = other.Authenticate(ctx, b.AccessToken)
	wantKind(t, err, apperr.KindUnauthorized, "")
}

// testSessionCacheExpires: without a notice, another node learns of an
// ended session when its cache entry expires.
func testSessionCacheExpires(t *testing.T, open opener) {
	ctx := context.Background()
	e := newEnv(t, open, nil)
	other := New(e.st, e.svc.cfg)
	e.user(t, "alice@example.com", pwAlice)
	a := e.signIn(t, "alice@example.com", pwAlice)
	p, err := other.Authenticate(ctx, a.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Logout(ctx, p); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(sessionCacheTTL)
	_, err = other.Authenticate(ctx, a.AccessToken)
	wantKind(t, err, apperr.KindUnauthorized, "")
}

// testCheckPrincipal: what a ticket's principal is checked against.
func testCheckPrincipal(t *testing.T, open opener) {
	ctx := context.Background()
	e := newEnv(t, open, nil)
	alice := e.user(t, "alice@example.com", pwAlice)
	a := e.signIn(t, "alice@example.com", pwAlice)
	p, err := e.svc.Authenticate(ctx, a.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if p.ExpiresAt.IsZero() || p.ExpiresAt.After(e.clk.Now().Add(15*time.Minute)) {
		t.Fatalf("principal expires at %v, want the token's exp", p.ExpiresAt)
	}
	if err := e.svc.CheckPrincipal(ctx, p); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]Principal{
		"unknown session":         {UserID: alice.ID, SessionID: a.SessionID + 1000, IssuedAt: p.IssuedAt},
		"another user's session":  {UserID: alice.ID + 1000, SessionID: a.SessionID, IssuedAt: p.IssuedAt},
		"zero session (no claim)": {UserID: alice.ID, IssuedAt: p.IssuedAt},
	} {
		if err := e.svc.CheckPrincipal(ctx, bad); !apperr.Is(err, apperr.KindUnauthorized) {
			t.Fatalf("%s: %v, want 401", name, err)
		}
	}
	// A password change keeps the caller's session but cuts its tokens: a
	// principal issued before it fails although its session lives.
	if err := e.svc.ChangePassword(ctx, p, pwAlice, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, e.svc.CheckPrincipal(ctx, p), apperr.KindUnauthorized, "")
}

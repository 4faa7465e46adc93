package auth

import (
	"context"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
)

// testSessionFromRefresh: the current refresh token authenticates without
// rotating; a superseded one only within the grace; a revoked session never.
func testSessionFromRefresh(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	alice := e.user(t, "alice@example.com", pwAlice)
	ctx := context.Background()
	g := e.signIn(t, "alice@example.com", pwAlice)
	for i := 0; i < 2; i++ { // twice: it must not rotate or spend the token
		p, err := e.svc.SessionFromRefresh(ctx, g.RefreshToken)
		if err != nil || p.UserID != alice.ID || p.SessionID != g.SessionID {
			t.Fatalf("SessionFromRefresh = %+v, %v", p, err)
		}
	}
	next, err := e.svc.Refresh(ctx, g.RefreshToken, ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SessionFromRefresh(ctx, g.RefreshToken); err != nil {
		t.Fatalf("predecessor inside the grace: %v", err)
	}
	e.clk.Advance(time.Minute)
	wantKind(t, errOf(e.svc.SessionFromRefresh(ctx, g.RefreshToken)), apperr.KindUnauthorized, "")
	if _, err := e.svc.SessionFromRefresh(ctx, next.RefreshToken); err != nil {
		t.Fatalf("current token: %v", err)
	}
	// Checking a superseded token did not revoke the session.
	if _, err := e.svc.Refresh(ctx, next.RefreshToken, ClientMeta{}); err != nil {
		t.Fatalf("refresh after a stale check: %v", err)
	}
	for _, bad := range []string{"", "nope", next.RefreshToken + "x"} {
		wantKind(t, errOf(e.svc.SessionFromRefresh(ctx, bad)), apperr.KindUnauthorized, "")
	}
	if err := e.svc.LogoutAll(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	g2 := e.signIn(t, "alice@example.com", pwAlice)
	if err := e.svc.RevokeSession(ctx, alice.ID, g2.SessionID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, errOf(e.svc.SessionFromRefresh(ctx, g2.RefreshToken)), apperr.KindUnauthorized, "")
}

func errOf(_ Principal, err error) error { return err }

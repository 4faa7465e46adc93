package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func sessionTests() []leaf {
	return []leaf{
		{"CreateAndRefreshToken", testSessionCreate},
		{"Rotate", testSessionRotate},
		{"ListAndRevoke", testSessionListAndRevoke},
		{"ByID", testSessionByID},
	}
}

func newSession(t *testing.T, s storage.Store, u model.User, hash string, created, expires int) model.Session {
	t.Helper()
	sess := model.Session{UserID: u.ID, UserAgent: "test/1.0", IP: "192.0.2.1",
		CreatedAt: ts(created), LastUsedAt: ts(created), ExpiresAt: ts(expires)}
	noErr(t, s.CreateSession(context.Background(), &sess, hash), "create session")
	return sess
}

func testSessionCreate(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "ada")
	sess := newSession(t, s, u, "tok-1", 0, 60)
	if sess.ID == 0 {
		t.Fatal("create session did not set ID")
	}
	tok, got, err := s.RefreshToken(ctx, "tok-1")
	noErr(t, err, "refresh token")
	if tok.Hash != "tok-1" || tok.SessionID != sess.ID || tok.UsedAt != nil {
		t.Fatalf("token = %+v", tok)
	}
	if got.ID != sess.ID || got.UserID != u.ID || got.UserAgent != "test/1.0" || got.IP != "192.0.2.1" || got.RevokedAt != nil {
		t.Fatalf("session = %+v", got)
	}
	sameTime(t, got.CreatedAt, ts(0), "created_at")
	sameTime(t, got.LastUsedAt, ts(0), "last_used_at")
	sameTime(t, got.ExpiresAt, ts(60), "expires_at")
	_, _, err = s.RefreshToken(ctx, "nope")
	wantErr(t, err, storage.ErrNotFound, "unknown token")
	dup := model.Session{UserID: u.ID, CreatedAt: ts(0), LastUsedAt: ts(0), ExpiresAt: ts(60)}
	wantErr(t, s.CreateSession(ctx, &dup, "tok-1"), storage.ErrConflict, "duplicate token hash")
}

func testSessionRotate(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "ada")
	sess := newSession(t, s, u, "tok-1", 0, 60)
	noErr(t, s.RotateRefreshToken(ctx, "tok-1", "tok-2", ts(5), ts(90)), "rotate")

	old, got, err := s.RefreshToken(ctx, "tok-1")
	noErr(t, err, "old token")
	if old.UsedAt == nil {
		t.Fatal("old token not marked used")
	}
	sameTime(t, *old.UsedAt, ts(5), "used_at")
	sameTime(t, got.LastUsedAt, ts(5), "session last_used_at")
	sameTime(t, got.ExpiresAt, ts(90), "session expires_at")

	next, got2, err := s.RefreshToken(ctx, "tok-2")
	noErr(t, err, "new token")
	if next.SessionID != sess.ID || next.UsedAt != nil || got2.ID != sess.ID {
		t.Fatalf("new token = %+v in %+v", next, got2)
	}
	// Reusing the old token again keeps its first use time.
	noErr(t, s.RotateRefreshToken(ctx, "tok-1", "tok-3", ts(7), ts(95)), "rotate used token")
	old, _, err = s.RefreshToken(ctx, "tok-1")
	noErr(t, err, "old token")
	sameTime(t, *old.UsedAt, ts(5), "used_at after second use")

	wantErr(t, s.RotateRefreshToken(ctx, "nope", "tok-4", ts(8), ts(99)), storage.ErrNotFound, "rotate unknown")
	wantErr(t, s.RotateRefreshToken(ctx, "tok-2", "tok-3", ts(8), ts(99)), storage.ErrConflict, "rotate to an existing hash")
}

func testSessionListAndRevoke(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	s1 := newSession(t, s, ada, "a1", 0, 60)
	s2 := newSession(t, s, ada, "a2", 1, 60)
	s3 := newSession(t, s, ada, "a3", 2, 60)
	newSession(t, s, ada, "a4", 0, 10) // expired at ts(30)
	b1 := newSession(t, s, bob, "b1", 0, 60)

	list := func(user model.User) map[int64]bool {
		t.Helper()
		got, err := s.ListSessions(ctx, user.ID, ts(30))
		noErr(t, err, "list sessions")
		ids := map[int64]bool{}
		for _, x := range got {
			if x.UserID != user.ID {
				t.Fatalf("list sessions of %d returned %+v", user.ID, x)
			}
			ids[x.ID] = true
		}
		return ids
	}
	if got := list(ada); len(got) != 3 || !got[s1.ID] || !got[s2.ID] || !got[s3.ID] {
		t.Fatalf("ada's live sessions = %v", got)
	}
	wantErr(t, s.RevokeSession(ctx, bob.ID, s1.ID, ts(31)), storage.ErrNotFound, "revoke another user's session")
	noErr(t, s.RevokeSession(ctx, ada.ID, s1.ID, ts(31)), "revoke session")
	if got := list(ada); len(got) != 2 || got[s1.ID] {
		t.Fatalf("after revoke: %v", got)
	}
	_, revoked, err := s.RefreshToken(ctx, "a1")
	noErr(t, err, "refresh token of revoked session")
	if revoked.RevokedAt == nil {
		t.Fatal("revoked session has no RevokedAt")
	}
	sameTime(t, *revoked.RevokedAt, ts(31), "revoked_at")

	noErr(t, s.RevokeAllSessions(ctx, ada.ID, s3.ID, ts(32)), "revoke all but one")
	if got := list(ada); len(got) != 1 || !got[s3.ID] {
		t.Fatalf("after revoke all but s3: %v", got)
	}
	noErr(t, s.RevokeAllSessions(ctx, ada.ID, 0, ts(33)), "revoke all")
	if got := list(ada); len(got) != 0 {
		t.Fatalf("after revoke all: %v", got)
	}
	if got := list(bob); len(got) != 1 || !got[b1.ID] {
		t.Fatalf("bob's sessions must be untouched: %v", got)
	}
}

func testSessionByID(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	sess := newSession(t, s, ada, "a1", 0, 60)
	got, err := s.SessionByID(ctx, ada.ID, sess.ID)
	noErr(t, err, "session by id")
	if got.ID != sess.ID || got.UserID != ada.ID || got.RevokedAt != nil {
		t.Fatalf("session = %+v", got)
	}
	sameTime(t, got.ExpiresAt, ts(60), "expires_at")
	_, err = s.SessionByID(ctx, bob.ID, sess.ID)
	wantErr(t, err, storage.ErrNotFound, "another user's session")
	_, err = s.SessionByID(ctx, ada.ID, sess.ID+1000)
	wantErr(t, err, storage.ErrNotFound, "unknown session")
	noErr(t, s.RevokeSession(ctx, ada.ID, sess.ID, ts(31)), "revoke session")
	got, err = s.SessionByID(ctx, ada.ID, sess.ID)
	noErr(t, err, "revoked session by id")
	if got.RevokedAt == nil {
		t.Fatal("a revoked session has no RevokedAt")
	}
	sameTime(t, *got.RevokedAt, ts(31), "revoked_at")
}

package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func accountMailTests() []leaf {
	return []leaf{
		{"TokenUsedOnce", testAccountTokenOnce},
		{"TokenExpiredOrWrongPurpose", testAccountTokenRefused},
		{"SetUserEmail", testSetUserEmail},
		{"DigestStateAndClaim", testDigestState},
		{"DigestItems", testDigestItems},
	}
}

func newAccountToken(t *testing.T, s storage.Store, u model.User, purpose, hash string, expires time.Time) model.AccountToken {
	t.Helper()
	tok := model.AccountToken{UserID: u.ID, Purpose: purpose, Email: "new@example.com", ExpiresAt: expires}
	noErr(t, s.CreateAccountToken(context.Background(), &tok, hash), "create account token")
	if tok.ID == 0 || tok.CreatedAt.IsZero() {
		t.Fatalf("token not filled in: %+v", tok)
	}
	return tok
}

func testAccountTokenOnce(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "ann")
	tok := newAccountToken(t, s, u, model.TokenEmailChange, "h1", ts(30))
	got, err := s.UseAccountToken(ctx, model.TokenEmailChange, "h1", ts(1))
	noErr(t, err, "use token")
	if got.ID != tok.ID || got.UserID != u.ID || got.Email != "new@example.com" || got.UsedAt == nil {
		t.Fatalf("used token = %+v", got)
	}
	sameTime(t, got.ExpiresAt, ts(30), "expires_at")
	sameTime(t, *got.UsedAt, ts(1), "used_at")
	_, err = s.UseAccountToken(ctx, model.TokenEmailChange, "h1", ts(2))
	wantErr(t, err, storage.ErrNotFound, "use a token twice")
	wantErr(t, s.CreateAccountToken(ctx, &model.AccountToken{UserID: u.ID, Purpose: model.TokenPasswordReset,
		ExpiresAt: ts(30)}, "h1"), storage.ErrConflict, "same hash twice")
	// Counting sees used tokens too, only of the purpose, from since on.
	newAccountToken(t, s, u, model.TokenEmailChange, "h1b", ts(30))
	for _, tc := range []struct {
		purpose string
		since   time.Time
		want    int
	}{
		{model.TokenEmailChange, tok.CreatedAt, 2},
		{model.TokenPasswordReset, tok.CreatedAt, 0},
		{model.TokenEmailChange, time.Now().Add(time.Hour), 0},
	} {
		n, err := s.CountAccountTokens(ctx, u.ID, tc.purpose, tc.since)
		noErr(t, err, "count tokens")
		if n != tc.want {
			t.Errorf("count %s since %v = %d, want %d", tc.purpose, tc.since, n, tc.want)
		}
	}
}

func testAccountTokenRefused(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "bob")
	newAccountToken(t, s, u, model.TokenPasswordReset, "h2", ts(30))
	_, err := s.UseAccountToken(ctx, model.TokenEmailChange, "h2", ts(1))
	wantErr(t, err, storage.ErrNotFound, "token of another purpose")
	_, err = s.UseAccountToken(ctx, model.TokenPasswordReset, "h2", ts(30))
	wantErr(t, err, storage.ErrNotFound, "token at its expiry")
	_, err = s.UseAccountToken(ctx, model.TokenPasswordReset, "nope", ts(1))
	wantErr(t, err, storage.ErrNotFound, "unknown token")
	_, err = s.UseAccountToken(ctx, model.TokenPasswordReset, "h2", ts(29))
	noErr(t, err, "token before its expiry (not spent by the refusals)")
}

func testSetUserEmail(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b := newUser(t, s, "cat"), newUser(t, s, "dan")
	noErr(t, s.SetUserEmail(ctx, a.ID, "cat.new@example.com"), "set email")
	got, err := s.UserByEmail(ctx, "CAT.NEW@example.com")
	noErr(t, err, "user by new email")
	if got.ID != a.ID {
		t.Fatalf("new email finds user %d", got.ID)
	}
	wantErr(t, s.SetUserEmail(ctx, a.ID, "DAN@example.com"), storage.ErrConflict, "taken email")
	wantErr(t, s.SetUserEmail(ctx, b.ID+1000, "x@example.com"), storage.ErrNotFound, "unknown user")
}

func testDigestState(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "eve")
	st, err := s.DigestState(ctx, u.ID)
	noErr(t, err, "digest state")
	if !st.Enabled || st.SentUpTo != 0 || st.SentAt != nil {
		t.Fatalf("default digest state = %+v", st)
	}
	ok, err := s.ClaimDigest(ctx, u.ID, 0, 10, ts(1))
	noErr(t, err, "claim")
	if !ok {
		t.Fatal("first claim refused")
	}
	ok, err = s.ClaimDigest(ctx, u.ID, 0, 12, ts(2))
	noErr(t, err, "stale claim")
	if ok {
		t.Fatal("a claim from a stale state won")
	}
	noErr(t, s.SetDigestEnabled(ctx, u.ID, false), "turn off")
	st, err = s.DigestState(ctx, u.ID)
	noErr(t, err, "digest state")
	if st.Enabled || st.SentUpTo != 10 || st.SentAt == nil {
		t.Fatalf("digest state = %+v", st)
	}
	sameTime(t, *st.SentAt, ts(1), "sent_at")
}

func testDigestItems(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	dm := send(t, s, w.direct, w.owner, "hello in private")
	send(t, s, w.group, w.owner, "no mention in a group")
	men := mention(t, s, w.group, w.owner, "@member look", w.member)
	mention(t, s, w.group, w.member, "@member my own message", w.member)
	items, err := s.DigestItems(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Minute), 100)
	noErr(t, err, "digest items")
	var got []int64
	for _, it := range items {
		if it.UserID != w.member.ID {
			t.Fatalf("item for user %d: %+v", it.UserID, it)
		}
		got = append(got, it.MessageID)
	}
	if !equalIDs(got, []int64{dm.ID, men.ID}) {
		t.Fatalf("digest items = %v, want %v", got, []int64{dm.ID, men.ID})
	}
	if it := items[0]; it.ChatType != model.ChatDirect || it.SenderName != "OWNER" || it.Content != "hello in private" ||
		it.WorkspaceName != "Acme" {
		t.Fatalf("direct item = %+v", it)
	}
	// Read messages, messages at or below SentUpTo, and users who turned
	// digests off drop out.
	_, _, err = s.MarkRead(ctx, w.direct.ID, w.member.ID, dm.Seq)
	noErr(t, err, "mark read")
	ok, err := s.ClaimDigest(ctx, w.member.ID, 0, men.ID, time.Now())
	noErr(t, err, "claim")
	if !ok {
		t.Fatal("claim refused")
	}
	later := mention(t, s, w.group, w.owner, "@member again", w.member)
	items, err = s.DigestItems(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Minute), 100)
	noErr(t, err, "digest items")
	if len(items) != 1 || items[0].MessageID != later.ID {
		t.Fatalf("digest items after read and claim = %+v", items)
	}
	noErr(t, s.SetDigestEnabled(ctx, w.member.ID, false), "turn off")
	items, err = s.DigestItems(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Minute), 100)
	noErr(t, err, "digest items")
	if len(items) != 0 {
		t.Fatalf("digest items of a user who turned them off = %+v", items)
	}
}

package storagetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func profileTests() []leaf {
	return []leaf{
		{"AvatarAndBlobReference", testAvatarAndBlobReference},
		{"StatusStoredAndExpired", testStatusStoredAndExpired},
	}
}

// testAvatarAndBlobReference stores an avatar and checks that its blob
// counts as referenced (the orphan sweeper must not remove it).
func testAvatarAndBlobReference(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "ava")
	sum := strings.Repeat("ab", 32)
	used, err := s.BlobReferenced(ctx, sum)
	noErr(t, err, "blob referenced")
	if used {
		t.Fatal("an unknown blob is referenced")
	}
	noErr(t, s.SetAvatar(ctx, u.ID, sum, "/api/users/1/avatar?v=abab"), "set avatar")
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	if got.AvatarSHA256 != sum || got.AvatarURL != "/api/users/1/avatar?v=abab" {
		t.Fatalf("avatar not stored: %+v", got)
	}
	used, err = s.BlobReferenced(ctx, sum)
	noErr(t, err, "blob referenced")
	if !used {
		t.Fatal("an avatar's blob is not referenced")
	}
	noErr(t, s.SetAvatar(ctx, u.ID, "", ""), "clear avatar")
	used, err = s.BlobReferenced(ctx, sum)
	noErr(t, err, "blob referenced")
	if used {
		t.Fatal("a cleared avatar's blob is still referenced")
	}
	wantErr(t, s.SetAvatar(ctx, 999999, sum, "x"), storage.ErrNotFound, "set avatar of nobody")
}

// testStatusStoredAndExpired stores statuses and checks that an expired
// one is not returned by any read of the user.
func testStatusStoredAndExpired(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "stat")
	later := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	noErr(t, s.SetStatus(ctx, u.ID, model.UserStatus{Emoji: "🌴", Text: "Away", ExpiresAt: &later}), "set status")
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	if got.Status.Emoji != "🌴" || got.Status.Text != "Away" || got.Status.ExpiresAt == nil || !got.Status.ExpiresAt.Equal(later) {
		t.Fatalf("status not stored: %+v", got.Status)
	}

	past := time.Now().Add(-time.Minute)
	noErr(t, s.SetStatus(ctx, u.ID, model.UserStatus{Text: "Gone", ExpiresAt: &past}), "set expired status")
	got, err = s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	if got.Status != (model.UserStatus{}) {
		t.Fatalf("expired status returned by UserByID: %+v", got.Status)
	}
	list, err := s.UsersByIDs(ctx, []int64{u.ID})
	noErr(t, err, "users by ids")
	if len(list) != 1 || list[0].Status != (model.UserStatus{}) {
		t.Fatalf("expired status returned by UsersByIDs: %+v", list)
	}

	noErr(t, s.SetStatus(ctx, u.ID, model.UserStatus{Emoji: "📞"}), "set status without expiry")
	got, err = s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	if got.Status.Emoji != "📞" || got.Status.ExpiresAt != nil {
		t.Fatalf("status without expiry: %+v", got.Status)
	}
	noErr(t, s.SetStatus(ctx, u.ID, model.UserStatus{}), "clear status")
	got, err = s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	if got.Status != (model.UserStatus{}) {
		t.Fatalf("cleared status returned: %+v", got.Status)
	}
}

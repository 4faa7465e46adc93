package storagetest

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func userTests() []leaf {
	return []leaf{
		{"CreateAndRead", testUserCreateAndRead},
		{"LookupsAreCaseInsensitive", testUserLookupCase},
		{"DuplicatesConflict", testUserDuplicates},
		{"NotFound", testUserNotFound},
		{"UsersByIDs", testUsersByIDs},
		{"UpdateProfile", testUserUpdateProfile},
		{"PasswordAndTokens", testUserPasswordAndTokens},
		{"InstanceAdmins", testInstanceAdmins},
		{"SizeBytes", testSizeBytes},
	}
}

func testUserCreateAndRead(t *testing.T, s storage.Store) {
	ctx := context.Background()
	n, err := s.CountUsers(ctx)
	noErr(t, err, "count users")
	if n != 0 {
		t.Fatalf("count users on an empty store = %d", n)
	}
	u := model.User{Email: "Ada@Example.com", Username: "Ada", DisplayName: "Ada L",
		AvatarURL: "/a.png", Locale: "fr", Timezone: "Europe/Paris", IsAdmin: true, IsBot: true,
		PasswordHash: "$argon2id$x"}
	noErr(t, s.CreateUser(ctx, &u), "create user")
	if u.ID == 0 {
		t.Fatal("create user did not set ID")
	}
	recent(t, u.CreatedAt, "created_at")
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	sameTime(t, got.CreatedAt, u.CreatedAt, "created_at read back")
	if !got.TokensValidAfter.IsZero() {
		t.Fatalf("tokens_valid_after = %v, want zero", got.TokensValidAfter)
	}
	got.CreatedAt = u.CreatedAt
	if got != u {
		t.Fatalf("read back %+v, want %+v", got, u)
	}
	n, err = s.CountUsers(ctx)
	noErr(t, err, "count users")
	if n != 1 {
		t.Fatalf("count users = %d, want 1", n)
	}
}

func testUserLookupCase(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := model.User{Email: "Grace@Example.COM", Username: "GraceH"}
	noErr(t, s.CreateUser(ctx, &u), "create user")
	for _, email := range []string{"grace@example.com", "GRACE@EXAMPLE.COM", "Grace@Example.COM"} {
		got, err := s.UserByEmail(ctx, email)
		noErr(t, err, "user by email "+email)
		if got.ID != u.ID || got.Email != "Grace@Example.COM" {
			t.Fatalf("user by email %s = %+v", email, got)
		}
	}
	for _, name := range []string{"graceh", "GRACEH", "GraceH"} {
		got, err := s.UserByUsername(ctx, name)
		noErr(t, err, "user by username "+name)
		if got.ID != u.ID || got.Username != "GraceH" {
			t.Fatalf("user by username %s = %+v", name, got)
		}
	}
}

func testUserDuplicates(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newUser(t, s, "alice")
	for _, tc := range []struct {
		name            string
		email, username string
	}{
		{"same email", "alice@example.com", "other1"},
		{"email other case", "ALICE@example.com", "other2"},
		{"same username", "x1@example.com", "alice"},
		{"username other case", "x2@example.com", "Alice"},
	} {
		u := model.User{Email: tc.email, Username: tc.username}
		wantErr(t, s.CreateUser(ctx, &u), storage.ErrConflict, tc.name)
	}
	n, err := s.CountUsers(ctx)
	noErr(t, err, "count users")
	if n != 1 {
		t.Fatalf("count users after conflicts = %d, want 1", n)
	}
}

func testUserNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.UserByID(ctx, 4242)
	wantErr(t, err, storage.ErrNotFound, "user by id")
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	wantErr(t, err, storage.ErrNotFound, "user by email")
	_, err = s.UserByUsername(ctx, "nobody")
	wantErr(t, err, storage.ErrNotFound, "user by username")
	wantErr(t, s.UpdateProfile(ctx, model.User{ID: 4242, Username: "x"}), storage.ErrNotFound, "update profile")
	wantErr(t, s.SetPasswordHash(ctx, 4242, "h"), storage.ErrNotFound, "set password hash")
	wantErr(t, s.SetTokensValidAfter(ctx, 4242, ts(0)), storage.ErrNotFound, "set tokens valid after")
}

func testUsersByIDs(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b := newUser(t, s, "a"), newUser(t, s, "b")
	newUser(t, s, "c")
	for _, tc := range []struct {
		name string
		ids  []int64
		want []int64
	}{
		{"none", nil, nil},
		{"some", []int64{b.ID, a.ID}, []int64{a.ID, b.ID}},
		{"missing skipped", []int64{a.ID, 9999}, []int64{a.ID}},
		{"duplicates once", []int64{a.ID, a.ID}, []int64{a.ID}},
	} {
		users, err := s.UsersByIDs(ctx, tc.ids)
		noErr(t, err, tc.name)
		var got []int64
		for _, u := range users {
			if u.Username == "" {
				t.Fatalf("%s: user %d not filled in", tc.name, u.ID)
			}
			got = append(got, u.ID)
		}
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		if len(got) != len(tc.want) || (len(got) > 0 && !equalIDs(got, tc.want)) {
			t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testUserUpdateProfile(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "bob")
	newUser(t, s, "carol")
	u.DisplayName, u.Username, u.AvatarURL, u.Locale, u.Timezone = "Robert", "Bobby", "/b.png", "de", "Europe/Berlin"
	u.Email, u.IsAdmin = "changed@example.com", true // not profile fields: must not change
	noErr(t, s.UpdateProfile(ctx, u), "update profile")
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	if got.DisplayName != "Robert" || got.Username != "Bobby" || got.AvatarURL != "/b.png" ||
		got.Locale != "de" || got.Timezone != "Europe/Berlin" {
		t.Fatalf("profile not stored: %+v", got)
	}
	if got.Email != "bob@example.com" || got.IsAdmin {
		t.Fatalf("update profile changed email or admin: %+v", got)
	}
	u.Username = "CAROL"
	wantErr(t, s.UpdateProfile(ctx, u), storage.ErrConflict, "username taken (other case)")
}

func testUserPasswordAndTokens(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "dave")
	noErr(t, s.SetPasswordHash(ctx, u.ID, "$argon2id$new"), "set password hash")
	noErr(t, s.SetTokensValidAfter(ctx, u.ID, ts(5).In(time.FixedZone("X", 3600))), "set tokens valid after")
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	if got.PasswordHash != "$argon2id$new" {
		t.Fatalf("password hash = %q", got.PasswordHash)
	}
	sameTime(t, got.TokensValidAfter, ts(5), "tokens valid after")
	cred, err := s.UserCredentials(ctx, u.ID)
	noErr(t, err, "user credentials")
	sameTime(t, cred.TokensValidAfter, ts(5), "credentials tokens valid after")
	if cred.DisabledAt != nil {
		t.Fatalf("credentials of an enabled user: disabled at %v", cred.DisabledAt)
	}
}

func testInstanceAdmins(t *testing.T, s storage.Store) {
	ctx := context.Background()
	admins, err := s.InstanceAdmins(ctx)
	noErr(t, err, "instance admins on an empty store")
	if len(admins) != 0 {
		t.Fatalf("instance admins on an empty store = %+v", admins)
	}
	for _, u := range []model.User{
		{Email: "root@example.com", Username: "root", IsAdmin: true},
		{Email: "member@example.com", Username: "member"},
		{Email: "ops@example.com", Username: "ops", IsAdmin: true},
	} {
		noErr(t, s.CreateUser(ctx, &u), "create user")
	}
	admins, err = s.InstanceAdmins(ctx)
	noErr(t, err, "instance admins")
	var names []string
	for _, u := range admins {
		names = append(names, u.Username)
	}
	if len(names) != 2 || names[0] != "root" || names[1] != "ops" {
		t.Fatalf("instance admins = %v, want [root ops]", names)
	}
}

func testSizeBytes(t *testing.T, s storage.Store) {
	n, err := s.SizeBytes(context.Background())
	noErr(t, err, "size")
	if n <= 0 {
		t.Fatalf("size of a migrated database = %d, want > 0", n)
	}
}

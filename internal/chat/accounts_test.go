package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// goodSetup is a valid setup form.
func goodSetup() SetupInput {
	return SetupInput{
		Email: "  Admin@Example.TEST ", Password: "correct horse battery",
		Username: "Admin_1", DisplayName: "", WorkspaceName: "  Home  ",
	}
}

func TestSetupCreatesAdminAndWorkspace(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		needed, err := s.SetupNeeded(ctx)
		wantOK(t, err)
		if !needed {
			t.Fatal("SetupNeeded = false on an empty store")
		}
		g, err := s.Setup(ctx, goodSetup(), auth.ClientMeta{UserAgent: "test"})
		wantOK(t, err)
		u := g.User
		if u.ID == 0 || !u.IsAdmin || u.Email != "admin@example.test" || u.Username != "admin_1" || u.DisplayName != "admin_1" {
			t.Fatalf("admin = %+v", u)
		}
		if g.AccessToken == "" || g.RefreshToken == "" || g.SessionID == 0 {
			t.Fatalf("grant has no session: %+v", g)
		}
		list, err := s.ListWorkspaces(ctx, u.ID)
		wantOK(t, err)
		if len(list) != 1 || list[0].Workspace.Name != "Home" || list[0].Role != model.RoleOwner {
			t.Fatalf("workspaces = %+v", list)
		}
		// The ownership first (under the fixed id), then #general and #random.
		evs := unpublished(t, st)
		if len(evs) != 3 || evs[0].Type != model.EventWorkspaceMemberJoined || evs[0].ID != setupEventID ||
			evs[1].Type != model.EventChatCreated || evs[2].Type != model.EventChatCreated {
			t.Fatalf("events = %+v", evs)
		}
		needed, err = s.SetupNeeded(ctx)
		wantOK(t, err)
		if needed {
			t.Fatal("SetupNeeded = true after setup")
		}
		second := goodSetup()
		second.Email, second.Username = "other@example.test", "other"
		_, err = s.Setup(ctx, second, auth.ClientMeta{})
		wantKind(t, err, apperr.KindConflict)
	})
}

func TestSetupRefusedOnceAnyUserExists(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		s := newTestService(t, st, Config{})
		fixtureUser(t, st, "early")
		_, err := s.Setup(context.Background(), goodSetup(), auth.ClientMeta{})
		wantKind(t, err, apperr.KindConflict)
	})
}

func TestSetupValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*SetupInput)
		fields []string
	}{
		{"no email", func(in *SetupInput) { in.Email = "" }, []string{"email"}},
		{"email without at", func(in *SetupInput) { in.Email = "admin.example.test" }, []string{"email"}},
		{"email too long", func(in *SetupInput) { in.Email = strings.Repeat("a", 250) + "@b.cd" }, []string{"email"}},
		{"short password", func(in *SetupInput) { in.Password = "short" }, []string{"password"}},
		{"bad username", func(in *SetupInput) { in.Username = "-x" }, []string{"username"}},
		{"reserved username", func(in *SetupInput) { in.Username = "Here" }, []string{"username"}},
		{"control char display name", func(in *SetupInput) { in.DisplayName = "a\x00b" }, []string{"display_name"}},
		{"long display name", func(in *SetupInput) { in.DisplayName = strings.Repeat("é", 65) }, []string{"display_name"}},
		{"blank workspace", func(in *SetupInput) { in.WorkspaceName = "   " }, []string{"workspace_name"}},
		{"long workspace", func(in *SetupInput) { in.WorkspaceName = strings.Repeat("w", 81) }, []string{"workspace_name"}},
		{"everything", func(in *SetupInput) { *in = SetupInput{} }, []string{"email", "password", "username", "workspace_name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openSQLiteStore(t)
			s := newTestService(t, st, Config{})
			in := goodSetup()
			tc.edit(&in)
			_, err := s.Setup(context.Background(), in, auth.ClientMeta{})
			wantFields(t, err, apperr.KindInvalid, tc.fields...)
			if n, _ := st.CountUsers(context.Background()); n != 0 {
				t.Fatalf("%d users after a rejected setup", n)
			}
		})
	}
}

// wantFields checks the kind and that exactly fields are named.
func wantFields(t *testing.T, err error, kind apperr.Kind, fields ...string) {
	t.Helper()
	wantKind(t, err, kind)
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("not an *apperr.Error: %v", err)
	}
	if len(ae.Fields) != len(fields) {
		t.Fatalf("fields = %v, want %v", ae.Fields, fields)
	}
	for _, f := range fields {
		if ae.Fields[f] == "" {
			t.Fatalf("fields = %v, want %q named", ae.Fields, f)
		}
	}
}

func TestSetupRaceHasOneWinner(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		const n = 4
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				in := goodSetup()
				in.Email, in.Username = fmt.Sprintf("admin%d@example.test", i), fmt.Sprintf("admin%d", i)
				_, errs[i] = s.Setup(ctx, in, auth.ClientMeta{})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			wantKind(t, err, apperr.KindConflict)
		}
		users, err := st.CountUsers(ctx)
		wantOK(t, err)
		if wins != 1 || users != 1 {
			t.Fatalf("%d setups succeeded, %d users exist; want 1 and 1 (errors %v)", wins, users, errs)
		}
	})
}

func TestSignUp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		open   bool
		code   string // "valid", "unknown", "expired", "used", or ""
		edit   func(*SignUpInput)
		kind   apperr.Kind // KindInternal: success
		fields []string
		member bool // joined the invite's workspace
	}{
		{name: "invite", code: "valid", member: true},
		{name: "invite with open signup", open: true, code: "valid", member: true},
		{name: "no invite, closed", kind: apperr.KindForbidden},
		{name: "no invite, open", open: true},
		{name: "unknown code", code: "unknown", kind: apperr.KindForbidden},
		{name: "unknown code, open", open: true, code: "unknown", kind: apperr.KindForbidden},
		{name: "expired code", code: "expired", kind: apperr.KindForbidden},
		{name: "used up code", code: "used", kind: apperr.KindForbidden},
		{name: "taken email", open: true, edit: func(in *SignUpInput) { in.Email = "TAKEN@example.test" },
			kind: apperr.KindConflict, fields: []string{"email"}},
		{name: "taken username", open: true, edit: func(in *SignUpInput) { in.Username = "Taken" },
			kind: apperr.KindConflict, fields: []string{"username"}},
		// The username is public and named; the email is not looked at then.
		{name: "both taken", open: true, edit: func(in *SignUpInput) { in.Email, in.Username = "taken@example.test", "taken" },
			kind: apperr.KindConflict, fields: []string{"username"}},
		{name: "invalid input", open: true, edit: func(in *SignUpInput) { in.Email, in.Password = "x", "1234567" },
			kind: apperr.KindInvalid, fields: []string{"email", "password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openSQLiteStore(t)
			s := newTestService(t, st, Config{OpenSignup: tc.open})
			owner := fixtureUser(t, st, "taken")
			ws := fixtureWorkspace(t, s, owner.ID, "Team")
			in := SignUpInput{Email: "new@example.test", Password: "long enough pw", Username: "newbie", InviteCode: inviteFor(t, s, st, tc.code, ws.ID, owner.ID)}
			if tc.edit != nil {
				tc.edit(&in)
			}
			usersBefore, err := st.CountUsers(ctx)
			wantOK(t, err)
			g, err := s.SignUp(ctx, in, auth.ClientMeta{})
			if tc.kind != apperr.KindInternal {
				if tc.fields != nil {
					wantFields(t, err, tc.kind, tc.fields...)
				} else {
					wantKind(t, err, tc.kind)
				}
				if n, _ := st.CountUsers(ctx); n != usersBefore {
					t.Fatalf("a refused sign-up left %d users, had %d", n, usersBefore)
				}
				return
			}
			wantOK(t, err)
			if g.User.ID == 0 || g.User.IsAdmin || g.AccessToken == "" || g.User.DisplayName != "newbie" {
				t.Fatalf("grant = %+v", g)
			}
			list, err := s.ListWorkspaces(ctx, g.User.ID)
			wantOK(t, err)
			if joined := len(list) == 1 && list[0].Role == model.RoleMember; joined != tc.member || (!tc.member && len(list) != 0) {
				t.Fatalf("workspaces = %+v, want member=%v", list, tc.member)
			}
		})
	}
}

// TestSignUpTakenEmailIsUniform checks that a taken email gets one answer
// that does not say the address has an account, whatever its case and
// with or without an invite.
func TestSignUpTakenEmailIsUniform(t *testing.T) {
	ctx := context.Background()
	st := openSQLiteStore(t)
	s := newTestService(t, st, Config{OpenSignup: true})
	owner := fixtureUser(t, st, "taken")
	ws := fixtureWorkspace(t, s, owner.ID, "Team")
	for i, in := range []SignUpInput{
		{Email: "taken@example.test", Password: "long enough pw", Username: "newbie1"},
		{Email: " TAKEN@Example.test ", Password: "another long pw", Username: "newbie2"},
		{Email: "taken@example.test", Password: "long enough pw", Username: "newbie3", InviteCode: inviteFor(t, s, st, "valid", ws.ID, owner.ID)},
	} {
		_, err := s.SignUp(ctx, in, auth.ClientMeta{})
		wantSameError(t, err, errEmailUnavailable(nil))
		var ae *apperr.Error
		if errors.As(err, &ae); strings.Contains(ae.Message, "taken") || strings.Contains(ae.Message, "in use") || strings.Contains(ae.Fields["email"], "in use") {
			t.Fatalf("sign-up %d: the answer says the email is in use: %+v", i, ae)
		}
	}
}

// wantSameError fails unless err renders like want: kind, message, fields.
func wantSameError(t *testing.T, err, want error) {
	t.Helper()
	var got, exp *apperr.Error
	if !errors.As(err, &got) || !errors.As(want, &exp) || got.Kind != exp.Kind || got.Message != exp.Message || fmt.Sprint(got.Fields) != fmt.Sprint(exp.Fields) {
		t.Fatalf("error = %#v, want %#v", err, want)
	}
}

// inviteFor makes an invite in a given state and returns its code: "valid",
// "unknown" (never created), "expired" (clock moved past it), "used" (its
// one use taken), or "" for no code.
func inviteFor(t *testing.T, s *Service, st storage.Store, state string, wsID, ownerID int64) string {
	t.Helper()
	ctx := context.Background()
	switch state {
	case "":
		return ""
	case "unknown":
		return newInviteCode()
	}
	in := InviteInput{ExpiresInHours: 1}
	if state == "used" {
		in.MaxUses = 1
	}
	inv, err := s.CreateInvite(ctx, ownerID, wsID, in)
	wantOK(t, err)
	switch state {
	case "expired":
		advanceClock(s, 2*time.Hour)
	case "used":
		u := fixtureUser(t, st, "firstuse")
		_, err := s.AcceptInvite(ctx, u.ID, inv.Code)
		wantOK(t, err)
	}
	return inv.Code
}

func TestSignUpRaceOnEmail(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{OpenSignup: true})
		const n = 4
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				in := SignUpInput{Email: "same@example.test", Password: "long enough pw", Username: fmt.Sprintf("racer%d", i)}
				_, errs[i] = s.SignUp(ctx, in, auth.ClientMeta{})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			wantFields(t, err, apperr.KindConflict, "email")
			wantSameError(t, err, errEmailUnavailable(nil))
		}
		if wins != 1 {
			t.Fatalf("%d sign-ups with one email succeeded: %v", wins, errs)
		}
	})
}

func TestSignUpInviteMaxUsesUnderConcurrency(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		owner := fixtureUser(t, st, "owner")
		ws := fixtureWorkspace(t, s, owner.ID, "Team")
		inv, err := s.CreateInvite(ctx, owner.ID, ws.ID, InviteInput{MaxUses: 3})
		wantOK(t, err)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				in := SignUpInput{Email: fmt.Sprintf("u%d@example.test", i), Password: "long enough pw",
					Username: fmt.Sprintf("user%d", i), InviteCode: inv.Code}
				_, errs[i] = s.SignUp(ctx, in, auth.ClientMeta{})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			wantKind(t, err, apperr.KindForbidden)
		}
		members, err := s.Members(ctx, owner.ID, ws.ID)
		wantOK(t, err)
		users, err := st.CountUsers(ctx)
		wantOK(t, err)
		if wins != 3 || len(members) != 4 || users != 4 {
			t.Fatalf("wins=%d members=%d users=%d, want 3, 4, 4", wins, len(members), users)
		}
		stored, err := st.InviteByCodeHash(ctx, inviteCodeHash(inv.Code))
		wantOK(t, err)
		if stored.Uses != 3 {
			t.Fatalf("uses = %d, want 3", stored.Uses)
		}
	})
}

func TestMe(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		u := fixtureUser(t, st, "alice")
		got, err := s.Me(ctx, u.ID)
		wantOK(t, err)
		if got.ID != u.ID || got.Username != "alice" {
			t.Fatalf("Me = %+v", got)
		}
		_, err = s.Me(ctx, u.ID+1000)
		wantKind(t, err, apperr.KindNotFound)
	})
}

func TestUpdateProfile(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name   string
		patch  ProfilePatch
		kind   apperr.Kind // KindInternal: success
		fields []string
		check  func(t *testing.T, u model.User)
	}{
		{name: "nothing", check: func(t *testing.T, u model.User) {
			if u.Username != "alice" || u.DisplayName != "alice" {
				t.Fatalf("user = %+v", u)
			}
		}},
		{name: "everything", patch: ProfilePatch{DisplayName: str(" Alice A. "), Username: str("Alice2"),
			AvatarURL: str(""), Locale: str("pt-BR"), Timezone: str("Europe/Paris")},
			check: func(t *testing.T, u model.User) {
				want := model.User{DisplayName: "Alice A.", Username: "alice2", AvatarURL: "", Locale: "pt-BR", Timezone: "Europe/Paris"}
				if u.DisplayName != want.DisplayName || u.Username != want.Username || u.AvatarURL != want.AvatarURL || u.Locale != want.Locale || u.Timezone != want.Timezone {
					t.Fatalf("user = %+v", u)
				}
			}},
		{name: "clear optional fields", patch: ProfilePatch{DisplayName: str(""), AvatarURL: str(""), Locale: str(""), Timezone: str("")},
			check: func(t *testing.T, u model.User) {
				if u.DisplayName != "alice" || u.AvatarURL != "" || u.Timezone != "" {
					t.Fatalf("user = %+v", u)
				}
			}},
		{name: "same username other case", patch: ProfilePatch{Username: str("ALICE")}},
		{name: "taken username", patch: ProfilePatch{Username: str("Bob")}, kind: apperr.KindConflict, fields: []string{"username"}},
		{name: "bad username", patch: ProfilePatch{Username: str("a b")}, kind: apperr.KindInvalid, fields: []string{"username"}},
		{name: "external avatar", patch: ProfilePatch{AvatarURL: str("https://img.example/a.png")}, kind: apperr.KindInvalid, fields: []string{"avatar_url"}},
		{name: "someone else's avatar", patch: ProfilePatch{AvatarURL: str("/api/users/99/avatar?v=abcd")}, kind: apperr.KindInvalid, fields: []string{"avatar_url"}},
		{name: "ftp avatar", patch: ProfilePatch{AvatarURL: str("ftp://x/a.png")}, kind: apperr.KindInvalid, fields: []string{"avatar_url"}},
		{name: "javascript avatar", patch: ProfilePatch{AvatarURL: str("javascript:alert(1)")}, kind: apperr.KindInvalid, fields: []string{"avatar_url"}},
		{name: "long avatar", patch: ProfilePatch{AvatarURL: str("https://x/" + strings.Repeat("a", 2048))}, kind: apperr.KindInvalid, fields: []string{"avatar_url"}},
		{name: "bad timezone", patch: ProfilePatch{Timezone: str("Mars/Olympus")}, kind: apperr.KindInvalid, fields: []string{"timezone"}},
		{name: "local timezone", patch: ProfilePatch{Timezone: str("Local")}, kind: apperr.KindInvalid, fields: []string{"timezone"}},
		{name: "path timezone", patch: ProfilePatch{Timezone: str("../../etc/passwd")}, kind: apperr.KindInvalid, fields: []string{"timezone"}},
		{name: "bad locale", patch: ProfilePatch{Locale: str("english please")}, kind: apperr.KindInvalid, fields: []string{"locale"}},
		{name: "bidi display name", patch: ProfilePatch{DisplayName: str("evil\u202egnp.exe")}, kind: apperr.KindInvalid, fields: []string{"display_name"}},
		{name: "several bad", patch: ProfilePatch{Locale: str("??"), Timezone: str("nowhere")}, kind: apperr.KindInvalid, fields: []string{"locale", "timezone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openSQLiteStore(t)
			s := newTestService(t, st, Config{})
			u := fixtureUser(t, st, "alice")
			fixtureUser(t, st, "bob")
			got, err := s.UpdateProfile(ctx, u.ID, tc.patch)
			if tc.kind != apperr.KindInternal {
				wantFields(t, err, tc.kind, tc.fields...)
				return
			}
			wantOK(t, err)
			stored, err := s.Me(ctx, u.ID)
			wantOK(t, err)
			if stored.ID != got.ID || stored.Username != got.Username || stored.DisplayName != got.DisplayName ||
				stored.AvatarURL != got.AvatarURL || stored.Locale != got.Locale || stored.Timezone != got.Timezone {
				t.Fatalf("returned %+v, stored %+v", got, stored)
			}
			if tc.check != nil {
				tc.check(t, stored)
			}
		})
	}
}

func TestUpdateProfileBothEngines(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		u := fixtureUser(t, st, "alice")
		fixtureUser(t, st, "bob")
		name := "BOB"
		_, err := s.UpdateProfile(ctx, u.ID, ProfilePatch{Username: &name})
		wantFields(t, err, apperr.KindConflict, "username")
		name = "carol"
		got, err := s.UpdateProfile(ctx, u.ID, ProfilePatch{Username: &name})
		wantOK(t, err)
		if got.Username != "carol" {
			t.Fatalf("username = %q", got.Username)
		}
		_, err = s.UpdateProfile(ctx, u.ID+1000, ProfilePatch{Username: &name})
		wantKind(t, err, apperr.KindNotFound)
	})
}

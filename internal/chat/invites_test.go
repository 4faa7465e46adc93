package chat

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestCreateInviteInput(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       InviteInput
		ttl      time.Duration
		maxUses  int
		badField string
	}{
		{name: "defaults: 25 uses, one week", in: InviteInput{}, ttl: 168 * time.Hour, maxUses: 25},
		{name: "one use, one hour", in: InviteInput{MaxUses: 1, ExpiresInHours: 1}, ttl: time.Hour, maxUses: 1},
		{name: "largest", in: InviteInput{MaxUses: 1000, ExpiresInHours: 720}, ttl: 720 * time.Hour, maxUses: 1000},
		{name: "negative uses", in: InviteInput{MaxUses: -1}, badField: "max_uses"},
		{name: "too many uses", in: InviteInput{MaxUses: 1001}, badField: "max_uses"},
		{name: "negative hours", in: InviteInput{ExpiresInHours: -5}, badField: "expires_in_hours"},
		{name: "over 30 days", in: InviteInput{ExpiresInHours: 721}, badField: "expires_in_hours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openSQLiteStore(t)
			s := newTestService(t, st, Config{})
			now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
			s.now = func() time.Time { return now }
			owner := fixtureUser(t, st, "owner")
			ws := fixtureWorkspace(t, s, owner.ID, "Team")
			got, err := s.CreateInvite(ctx, owner.ID, ws.ID, tc.in)
			if tc.badField != "" {
				wantFields(t, err, apperr.KindInvalid, tc.badField)
				return
			}
			wantOK(t, err)
			if !got.ExpiresAt.Equal(now.Add(tc.ttl)) {
				t.Fatalf("expires at %v, want %v", got.ExpiresAt, now.Add(tc.ttl))
			}
			raw, err := base64.RawURLEncoding.DecodeString(got.Code)
			if err != nil || len(raw) != 16 {
				t.Fatalf("code %q is not 16 bytes of base64url: %v", got.Code, err)
			}
			stored, err := st.InviteByCodeHash(ctx, inviteCodeHash(got.Code))
			wantOK(t, err)
			if stored.WorkspaceID != ws.ID || stored.MaxUses != tc.maxUses || stored.CreatedBy != owner.ID ||
				len(stored.CodeHash) != 64 || strings.Contains(stored.CodeHash, got.Code) {
				t.Fatalf("stored invite %+v", stored)
			}
		})
	}
}

func TestInviteCodesDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		c := newInviteCode()
		if seen[c] || len(c) != 22 {
			t.Fatalf("code %q repeated or of wrong length", c)
		}
		seen[c] = true
	}
}

func TestLookupInvite(t *testing.T) {
	for _, tc := range []struct {
		state string
		code  func(valid string) string
		found bool
	}{
		{state: "valid", found: true},
		{state: "valid", code: func(v string) string { return "  " + v + "\n" }, found: true},
		{state: "unknown"},
		{state: "expired"},
		{state: "used"},
		{state: "valid", code: func(string) string { return "" }},
		{state: "valid", code: func(v string) string { return strings.Repeat(v, 10) }},
		{state: "valid", code: func(v string) string { return strings.ToUpper(v) }},
		{state: "valid", code: func(string) string { return "../../etc/passwd\x00" }},
	} {
		t.Run(tc.state, func(t *testing.T) {
			ctx := context.Background()
			st := openSQLiteStore(t)
			s := newTestService(t, st, Config{})
			owner := fixtureUser(t, st, "owner")
			ws := fixtureWorkspace(t, s, owner.ID, "Team")
			code := inviteFor(t, s, st, tc.state, ws.ID, owner.ID)
			if tc.code != nil {
				code = tc.code(code)
			}
			got, err := s.LookupInvite(ctx, code)
			if !tc.found {
				wantKind(t, err, apperr.KindNotFound)
				if err.Error() != "invite not found or expired" {
					t.Fatalf("message %q tells the cases apart", err.Error())
				}
				return
			}
			wantOK(t, err)
			if got.ID != ws.ID || got.Name != "Team" {
				t.Fatalf("workspace = %+v", got)
			}
		})
	}
}

func TestAcceptInvite(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		f := newWSFixture(t, s, st, "a")
		inv, err := s.CreateInvite(ctx, f.admin.ID, f.ws.ID, InviteInput{MaxUses: 2})
		wantOK(t, err)
		before := len(unpublished(t, st))

		// Members get their current role back and use nothing.
		for _, u := range []model.User{f.owner, f.guest} {
			wr, err := s.AcceptInvite(ctx, u.ID, inv.Code)
			wantOK(t, err)
			want, _ := st.GetMember(ctx, f.ws.ID, u.ID)
			if wr.Role != want.Role || wr.Workspace.ID != f.ws.ID {
				t.Fatalf("member %s accepting got %+v", u.Username, wr)
			}
		}
		wantUses(t, st, inv.Code, 0)

		wr, err := s.AcceptInvite(ctx, f.outsider.ID, inv.Code)
		wantOK(t, err)
		if wr.Role != model.RoleMember || wr.Workspace.ID != f.ws.ID || wr.Workspace.Name != f.ws.Name {
			t.Fatalf("joined as %+v", wr)
		}
		wantUses(t, st, inv.Code, 1)
		// The membership, then joining #general and #random.
		evs := unpublished(t, st)[before:]
		if len(evs) != 3 || evs[0].Type != model.EventWorkspaceMemberJoined || evs[0].ActorID != f.outsider.ID ||
			evs[1].Type != model.EventMemberJoined || evs[2].Type != model.EventMemberJoined {
			t.Fatalf("events = %+v", evs)
		}
		member, _ := eventPayload(t, evs[0])["member"].(map[string]any)
		if member["role"] != "member" {
			t.Fatalf("payload = %s", evs[0].Payload)
		}

		late := fixtureUser(t, st, "alate")
		_, err = s.AcceptInvite(ctx, late.ID, inv.Code)
		wantOK(t, err)
		wantUses(t, st, inv.Code, 2)
		third := fixtureUser(t, st, "athird")
		_, err = s.AcceptInvite(ctx, third.ID, inv.Code)
		wantKind(t, err, apperr.KindNotFound)
		_, err = s.AcceptInvite(ctx, third.ID, "nonsense")
		wantKind(t, err, apperr.KindNotFound)
	})
}

// wantUses checks how many uses of the invite are counted.
func wantUses(t *testing.T, st storage.Store, code string, n int) {
	t.Helper()
	inv, err := st.InviteByCodeHash(context.Background(), inviteCodeHash(code))
	wantOK(t, err)
	if inv.Uses != n {
		t.Fatalf("uses = %d, want %d", inv.Uses, n)
	}
}

func TestAcceptInviteExpires(t *testing.T) {
	st := openSQLiteStore(t)
	s := newTestService(t, st, Config{})
	f := newWSFixture(t, s, st, "e")
	inv, err := s.CreateInvite(context.Background(), f.owner.ID, f.ws.ID, InviteInput{ExpiresInHours: 1})
	wantOK(t, err)
	advanceClock(s, time.Hour)
	_, err = s.AcceptInvite(context.Background(), f.outsider.ID, inv.Code)
	wantKind(t, err, apperr.KindNotFound)
	wantUses(t, st, inv.Code, 0)
}

func TestAcceptInviteMaxUsesUnderConcurrency(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		owner := fixtureUser(t, st, "owner")
		ws := fixtureWorkspace(t, s, owner.ID, "Team")
		inv, err := s.CreateInvite(ctx, owner.ID, ws.ID, InviteInput{MaxUses: 2})
		wantOK(t, err)
		const n = 6
		users := make([]model.User, n)
		for i := range n {
			users[i] = fixtureUser(t, st, fmt.Sprintf("joiner%d", i))
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errs[i] = s.AcceptInvite(ctx, users[i].ID, inv.Code) })
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			wantKind(t, err, apperr.KindNotFound)
		}
		members, err := s.Members(ctx, owner.ID, ws.ID)
		wantOK(t, err)
		if wins != 2 || len(members) != 3 {
			t.Fatalf("wins=%d members=%d, want 2 and 3", wins, len(members))
		}
		wantUses(t, st, inv.Code, 2)
	})
}

func TestAcceptInviteSameUserConcurrently(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		owner := fixtureUser(t, st, "owner")
		ws := fixtureWorkspace(t, s, owner.ID, "Team")
		inv, err := s.CreateInvite(ctx, owner.ID, ws.ID, InviteInput{MaxUses: 5})
		wantOK(t, err)
		joiner := fixtureUser(t, st, "joiner")
		const n = 4
		errs := make([]error, n)
		roles := make([]model.Role, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				var wr WorkspaceRole
				wr, errs[i] = s.AcceptInvite(ctx, joiner.ID, inv.Code)
				roles[i] = wr.Role
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || roles[i] != model.RoleMember {
				t.Fatalf("accept %d: %v, role %q", i, errs[i], roles[i])
			}
		}
		wantUses(t, st, inv.Code, 1)
	})
}

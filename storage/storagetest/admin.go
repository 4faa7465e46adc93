package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func adminTests() []leaf {
	return []leaf{
		{"DisableAndEnable", testUserDisable},
		{"AdminFlagAndCount", testUserAdminFlag},
		{"ListUsersPages", testListUsers},
		{"ListAllWorkspaces", testListAllWorkspaces},
		{"AuditAppendAndPage", testAudit},
		{"LastAdminUnderConcurrentDemotions", testLastAdminRace},
	}
}

func testUserDisable(t *testing.T, s storage.Store) {
	ctx := context.Background()
	u := newUser(t, s, "dora")
	if u.Disabled() {
		t.Fatal("a new user is disabled")
	}
	at := ts(1)
	noErr(t, s.SetUserDisabled(ctx, u.ID, &at), "disable")
	got, err := s.UserByEmail(ctx, u.Email)
	noErr(t, err, "user by email")
	if got.DisabledAt == nil {
		t.Fatal("disabled_at not read back")
	}
	sameTime(t, *got.DisabledAt, at, "disabled_at")
	cred, err := s.UserCredentials(ctx, u.ID)
	noErr(t, err, "user credentials")
	if cred.DisabledAt == nil {
		t.Fatal("user credentials: disabled_at not read")
	}
	sameTime(t, *cred.DisabledAt, at, "credentials disabled_at")
	noErr(t, s.SetUserDisabled(ctx, u.ID, nil), "enable")
	got, err = s.UserByID(ctx, u.ID)
	noErr(t, err, "user by id")
	if got.Disabled() {
		t.Fatalf("enabled user still disabled at %v", got.DisabledAt)
	}
	if cred, err = s.UserCredentials(ctx, u.ID); err != nil || cred.DisabledAt != nil {
		t.Fatalf("user credentials of an enabled user: %+v %v", cred, err)
	}
	_, err = s.UserCredentials(ctx, u.ID+1000)
	wantErr(t, err, storage.ErrNotFound, "credentials of unknown user")
	wantErr(t, s.SetUserDisabled(ctx, u.ID+1000, &at), storage.ErrNotFound, "disable unknown user")
	// A user created disabled reads back disabled (an import, say).
	v := model.User{Email: "vic@example.com", Username: "vic", DisabledAt: &at}
	noErr(t, s.CreateUser(ctx, &v), "create disabled user")
	got, err = s.UserByID(ctx, v.ID)
	noErr(t, err, "user by id")
	if !got.Disabled() {
		t.Fatal("user created disabled reads back enabled")
	}
}

func testUserAdminFlag(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b := newUser(t, s, "ann"), newUser(t, s, "bob")
	count := func(want int) {
		t.Helper()
		n, err := s.CountActiveAdmins(ctx)
		noErr(t, err, "count admins")
		if n != want {
			t.Fatalf("active admins = %d, want %d", n, want)
		}
	}
	count(0)
	noErr(t, s.SetUserAdmin(ctx, a.ID, true), "promote a")
	noErr(t, s.SetUserAdmin(ctx, b.ID, true), "promote b")
	count(2)
	at := ts(0)
	noErr(t, s.SetUserDisabled(ctx, b.ID, &at), "disable b")
	count(1)
	noErr(t, s.SetUserAdmin(ctx, a.ID, false), "demote a")
	count(0)
	got, err := s.UserByID(ctx, a.ID)
	noErr(t, err, "user by id")
	if got.IsAdmin {
		t.Fatal("demoted user is still admin")
	}
	wantErr(t, s.SetUserAdmin(ctx, b.ID+1000, true), storage.ErrNotFound, "promote unknown user")
}

func testListUsers(t *testing.T, s storage.Store) {
	ctx := context.Background()
	var ids []int64
	for _, name := range []string{"u1", "u2", "u3"} {
		ids = append(ids, newUser(t, s, name).ID)
	}
	first, err := s.ListUsers(ctx, 0, 2)
	noErr(t, err, "list users")
	if len(first) != 2 || first[0].ID != ids[0] || first[1].ID != ids[1] {
		t.Fatalf("first page = %+v, want users %v", first, ids[:2])
	}
	rest, err := s.ListUsers(ctx, first[1].ID, 2)
	noErr(t, err, "list users")
	if len(rest) != 1 || rest[0].ID != ids[2] {
		t.Fatalf("second page = %+v, want user %d", rest, ids[2])
	}
	if rest[0].Email == "" || rest[0].PasswordHash == "" {
		t.Fatalf("listed user not filled in: %+v", rest[0])
	}
}

func testListAllWorkspaces(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b := newUser(t, s, "ana"), newUser(t, s, "ben")
	w1, w2 := newWorkspace(t, s, a, "one"), newWorkspace(t, s, b, "two")
	all, err := s.ListAllWorkspaces(ctx)
	noErr(t, err, "list all workspaces")
	if len(all) != 2 || all[0].ID != w1.ID || all[1].ID != w2.ID || all[1].Name != "two" {
		t.Fatalf("all workspaces = %+v, want %d and %d", all, w1.ID, w2.ID)
	}
}

func testAudit(t *testing.T, s storage.Store) {
	ctx := context.Background()
	empty, err := s.ListAudit(ctx, storage.AuditQuery{})
	noErr(t, err, "list empty audit")
	if empty == nil || len(empty) != 0 {
		t.Fatalf("empty audit = %#v, want an empty slice", empty)
	}
	var ids []int64
	for i, action := range []string{"user.create", "user.disable", "user.create"} {
		e := model.AuditEntry{At: ts(i), Actor: "cli:root", Source: "local", Action: action,
			TargetUserID: int64(10 + i), WorkspaceID: 3}
		if i == 1 {
			e.Detail = json.RawMessage(`{"reason":"left"}`)
		}
		noErr(t, s.AppendAudit(ctx, &e), "append audit")
		if e.ID == 0 {
			t.Fatal("append audit did not set ID")
		}
		ids = append(ids, e.ID)
	}
	page, err := s.ListAudit(ctx, storage.AuditQuery{Limit: 2})
	noErr(t, err, "list audit")
	if len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
		t.Fatalf("newest page = %+v, want ids %d, %d", page, ids[2], ids[1])
	}
	e := page[1]
	sameTime(t, e.At, ts(1), "audit at")
	if e.Actor != "cli:root" || e.Source != "local" || e.Action != "user.disable" ||
		e.TargetUserID != 11 || e.WorkspaceID != 3 || string(e.Detail) != `{"reason":"left"}` {
		t.Fatalf("entry read back %+v", e)
	}
	if string(page[0].Detail) != `{}` {
		t.Fatalf("empty detail read back as %q, want {}", page[0].Detail)
	}
	older, err := s.ListAudit(ctx, storage.AuditQuery{BeforeID: ids[1], Limit: 2})
	noErr(t, err, "list older audit")
	if len(older) != 1 || older[0].ID != ids[0] {
		t.Fatalf("older page = %+v, want id %d", older, ids[0])
	}
	creates, err := s.ListAudit(ctx, storage.AuditQuery{Action: "user.create"})
	noErr(t, err, "list audit by action")
	if len(creates) != 2 || creates[0].ID != ids[2] || creates[1].ID != ids[0] {
		t.Fatalf("user.create entries = %+v, want ids %d, %d", creates, ids[2], ids[0])
	}
}

// testLastAdminRace: two transactions each demote one of the last two
// administrators when CountActiveAdmins says another remains; however they
// interleave, one administrator is left.
func testLastAdminRace(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for round := range 10 {
		a, b := newUser(t, s, fmt.Sprintf("a%d", round)), newUser(t, s, fmt.Sprintf("b%d", round))
		noErr(t, s.SetUserAdmin(ctx, a.ID, true), "promote a")
		noErr(t, s.SetUserAdmin(ctx, b.ID, true), "promote b")
		var wg sync.WaitGroup
		for _, id := range []int64{a.ID, b.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.InTx(ctx, func(tx storage.Tx) error {
					n, err := tx.CountActiveAdmins(ctx)
					if err != nil || n <= 1 {
						return err
					}
					return tx.SetUserAdmin(ctx, id, false)
				})
				if err != nil {
					t.Errorf("demote %d: %v", id, err)
				}
			}()
		}
		wg.Wait()
		n, err := s.CountActiveAdmins(ctx)
		noErr(t, err, "count admins")
		if n != 1 {
			t.Fatalf("round %d: %d administrators left, want 1", round, n)
		}
		noErr(t, s.SetUserAdmin(ctx, a.ID, false), "reset a")
		noErr(t, s.SetUserAdmin(ctx, b.ID, false), "reset b")
	}
}

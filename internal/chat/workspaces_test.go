package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// wsFixture is a workspace with one user in each role, one member to act
// on (target) and one user who is not in it (outsider).
type wsFixture struct {
	ws                                            model.Workspace
	owner, admin, member, guest, target, outsider model.User
}

// newWSFixture builds a wsFixture whose usernames start with prefix.
func newWSFixture(t *testing.T, s *Service, st storage.Store, prefix string) wsFixture {
	t.Helper()
	f := wsFixture{owner: fixtureUser(t, st, prefix+"owner")}
	f.ws = fixtureWorkspace(t, s, f.owner.ID, prefix+" team")
	add := func(name string, role model.Role) model.User {
		u := fixtureUser(t, st, prefix+name)
		fixtureMember(t, st, f.ws.ID, u.ID, role)
		return u
	}
	f.admin = add("admin", model.RoleAdmin)
	f.member = add("member", model.RoleMember)
	f.guest = add("guest", model.RoleGuest)
	f.target = add("target", model.RoleMember)
	f.outsider = fixtureUser(t, st, prefix+"outsider")
	return f
}

// actor returns the fixture user playing who.
func (f wsFixture) actor(who string) model.User {
	return map[string]model.User{"owner": f.owner, "admin": f.admin, "member": f.member,
		"guest": f.guest, "outsider": f.outsider}[who]
}

// wsAction is one workspace use case run by actorID on a workspace.
type wsAction func(ctx context.Context, s *Service, f wsFixture, actorID, wsID int64) error

var wsActions = map[string]wsAction{
	"get": func(ctx context.Context, s *Service, f wsFixture, a, ws int64) error {
		_, err := s.Workspace(ctx, a, ws)
		return err
	},
	"members": func(ctx context.Context, s *Service, f wsFixture, a, ws int64) error {
		_, err := s.Members(ctx, a, ws)
		return err
	},
	"rename": func(ctx context.Context, s *Service, f wsFixture, a, ws int64) error {
		_, err := s.RenameWorkspace(ctx, a, ws, "Renamed")
		return err
	},
	"invite": func(ctx context.Context, s *Service, f wsFixture, a, ws int64) error {
		_, err := s.CreateInvite(ctx, a, ws, InviteInput{})
		return err
	},
	"promote": func(ctx context.Context, s *Service, f wsFixture, a, ws int64) error {
		_, err := s.SetMemberRole(ctx, a, ws, f.target.ID, model.RoleAdmin)
		return err
	},
	"remove": func(ctx context.Context, s *Service, f wsFixture, a, ws int64) error {
		return s.RemoveMember(ctx, a, ws, f.target.ID)
	},
	"delete": func(ctx context.Context, s *Service, f wsFixture, a, ws int64) error {
		return s.DeleteWorkspace(ctx, a, ws)
	},
}

// TestWorkspacePermissionMatrix runs every action as every role: members
// below the needed role get 403, non-members 404 (the workspace's existence
// is not revealed), and a workspace that does not exist 404 for everyone.
func TestWorkspacePermissionMatrix(t *testing.T) {
	const ok, forbidden, notFound = apperr.KindInternal, apperr.KindForbidden, apperr.KindNotFound
	want := map[string]map[string]apperr.Kind{
		//            owner      admin      member     guest      outsider
		"get":     {"owner": ok, "admin": ok, "member": ok, "guest": ok, "outsider": notFound},
		"members": {"owner": ok, "admin": ok, "member": ok, "guest": ok, "outsider": notFound},
		"rename":  {"owner": ok, "admin": ok, "member": forbidden, "guest": forbidden, "outsider": notFound},
		"invite":  {"owner": ok, "admin": ok, "member": forbidden, "guest": forbidden, "outsider": notFound},
		"promote": {"owner": ok, "admin": ok, "member": forbidden, "guest": forbidden, "outsider": notFound},
		"remove":  {"owner": ok, "admin": ok, "member": forbidden, "guest": forbidden, "outsider": notFound},
		"delete":  {"owner": ok, "admin": forbidden, "member": forbidden, "guest": forbidden, "outsider": notFound},
	}
	forEachStore(t, func(t *testing.T, st storage.Store) {
		s := newTestService(t, st, Config{})
		i := 0
		for action, byRole := range want {
			for _, who := range []string{"owner", "admin", "member", "guest", "outsider"} {
				i++
				prefix := fmt.Sprintf("c%d", i)
				t.Run(action+"/"+who, func(t *testing.T) {
					ctx := context.Background()
					f := newWSFixture(t, s, st, prefix)
					err := wsActions[action](ctx, s, f, f.actor(who).ID, f.ws.ID)
					if byRole[who] == ok {
						wantOK(t, err)
					} else {
						wantKind(t, err, byRole[who])
					}
					err = wsActions[action](ctx, s, f, f.actor(who).ID, f.ws.ID+100000)
					wantKind(t, err, notFound)
				})
			}
		}
	})
}

func TestSetMemberRoleRules(t *testing.T) {
	for _, tc := range []struct {
		name      string
		actor     string     // fixture role of the caller
		target    string     // "self", "owner2" (a second owner), or a fixture role
		role      model.Role // new role
		twoOwners bool
		kind      apperr.Kind // KindInternal: success
	}{
		{name: "owner makes member owner", actor: "owner", target: "member", role: model.RoleOwner},
		{name: "owner demotes other owner", actor: "owner", target: "owner2", role: model.RoleAdmin, twoOwners: true},
		{name: "last owner demotes self", actor: "owner", target: "self", role: model.RoleAdmin, kind: apperr.KindConflict},
		{name: "owner demotes self with another owner", actor: "owner", target: "self", role: model.RoleMember, twoOwners: true},
		{name: "owner keeps own role", actor: "owner", target: "self", role: model.RoleOwner},
		{name: "owner makes admin guest", actor: "owner", target: "admin", role: model.RoleGuest},
		{name: "admin cannot grant owner", actor: "admin", target: "member", role: model.RoleOwner, kind: apperr.KindForbidden},
		{name: "admin cannot demote owner", actor: "admin", target: "owner", role: model.RoleMember, kind: apperr.KindForbidden},
		{name: "admin cannot grant self owner", actor: "admin", target: "self", role: model.RoleOwner, kind: apperr.KindForbidden},
		{name: "admin promotes member", actor: "admin", target: "member", role: model.RoleAdmin},
		{name: "admin demotes self", actor: "admin", target: "self", role: model.RoleMember},
		{name: "admin makes guest member", actor: "admin", target: "guest", role: model.RoleMember},
		{name: "member cannot change roles", actor: "member", target: "guest", role: model.RoleMember, kind: apperr.KindForbidden},
		{name: "member cannot promote self", actor: "member", target: "self", role: model.RoleAdmin, kind: apperr.KindForbidden},
		{name: "outsider", actor: "outsider", target: "member", role: model.RoleGuest, kind: apperr.KindNotFound},
		{name: "target not a member", actor: "owner", target: "outsider", role: model.RoleGuest, kind: apperr.KindNotFound},
		{name: "unknown role", actor: "owner", target: "member", role: "king", kind: apperr.KindInvalid},
		{name: "empty role", actor: "owner", target: "member", role: "", kind: apperr.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openSQLiteStore(t)
			s := newTestService(t, st, Config{})
			f := newWSFixture(t, s, st, "x")
			actor := f.actor(tc.actor)
			target := roleTarget(t, st, f, actor, tc.target, tc.twoOwners)
			before := len(unpublished(t, st))
			m, err := s.SetMemberRole(ctx, actor.ID, f.ws.ID, target.ID, tc.role)
			after := unpublished(t, st)
			if tc.kind != apperr.KindInternal {
				wantKind(t, err, tc.kind)
				if len(after) != before {
					t.Fatalf("a refused change wrote %d events", len(after)-before)
				}
				return
			}
			wantOK(t, err)
			stored, err := st.GetMember(ctx, f.ws.ID, target.ID)
			wantOK(t, err)
			if m.Role != tc.role || stored.Role != tc.role || m.User.ID != target.ID {
				t.Fatalf("returned %+v, stored role %s, want %s", m, stored.Role, tc.role)
			}
			checkRoleEvent(t, after[before:], m, actor.ID)
		})
	}
}

// roleTarget resolves the target of a role or removal case.
func roleTarget(t *testing.T, st storage.Store, f wsFixture, actor model.User, target string, twoOwners bool) model.User {
	t.Helper()
	var owner2 model.User
	if twoOwners {
		owner2 = fixtureUser(t, st, "xowner2")
		fixtureMember(t, st, f.ws.ID, owner2.ID, model.RoleOwner)
	}
	switch target {
	case "self":
		return actor
	case "owner2":
		return owner2
	}
	return f.actor(target)
}

// checkRoleEvent checks that a real role change wrote one member_updated
// event and a no-op none.
func checkRoleEvent(t *testing.T, evs []model.Event, m model.Member, actorID int64) {
	t.Helper()
	if len(evs) == 0 {
		return // the role did not change
	}
	if len(evs) != 1 || evs[0].Type != model.EventWorkspaceMemberUpdated || evs[0].ActorID != actorID || evs[0].ChatID != 0 {
		t.Fatalf("events = %+v", evs)
	}
	p := eventPayload(t, evs[0])
	member, _ := p["member"].(map[string]any)
	user, _ := member["user"].(map[string]any)
	if member["role"] != string(m.Role) || user["id"] != float64(m.UserID) || p["workspace_id"] != float64(m.WorkspaceID) {
		t.Fatalf("payload = %s", evs[0].Payload)
	}
	if _, ok := p["chat_id"]; ok {
		t.Fatalf("workspace event has a chat_id: %s", evs[0].Payload)
	}
}

func TestSetMemberRoleNoOpWritesNoEvent(t *testing.T) {
	st := openSQLiteStore(t)
	s := newTestService(t, st, Config{})
	f := newWSFixture(t, s, st, "n")
	before := len(unpublished(t, st))
	_, err := s.SetMemberRole(context.Background(), f.admin.ID, f.ws.ID, f.member.ID, model.RoleMember)
	wantOK(t, err)
	if n := len(unpublished(t, st)) - before; n != 0 {
		t.Fatalf("no-op wrote %d events", n)
	}
}

func TestRemoveMemberRules(t *testing.T) {
	for _, tc := range []struct {
		name      string
		actor     string
		target    string
		twoOwners bool
		kind      apperr.Kind
	}{
		{name: "member leaves", actor: "member", target: "self"},
		{name: "guest leaves", actor: "guest", target: "self"},
		{name: "admin leaves", actor: "admin", target: "self"},
		{name: "last owner cannot leave", actor: "owner", target: "self", kind: apperr.KindConflict},
		{name: "owner leaves with another owner", actor: "owner", target: "self", twoOwners: true},
		{name: "owner removes other owner", actor: "owner", target: "owner2", twoOwners: true},
		{name: "owner removes admin", actor: "owner", target: "admin"},
		{name: "admin removes admin-less member", actor: "admin", target: "guest"},
		{name: "admin cannot remove owner", actor: "admin", target: "owner", kind: apperr.KindForbidden},
		{name: "admin cannot remove second owner", actor: "admin", target: "owner2", twoOwners: true, kind: apperr.KindForbidden},
		{name: "member cannot remove others", actor: "member", target: "guest", kind: apperr.KindForbidden},
		{name: "guest cannot remove others", actor: "guest", target: "member", kind: apperr.KindForbidden},
		{name: "outsider", actor: "outsider", target: "member", kind: apperr.KindNotFound},
		{name: "outsider leaving", actor: "outsider", target: "self", kind: apperr.KindNotFound},
		{name: "target not a member", actor: "owner", target: "outsider", kind: apperr.KindNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openSQLiteStore(t)
			s := newTestService(t, st, Config{})
			f := newWSFixture(t, s, st, "x")
			actor := f.actor(tc.actor)
			target := roleTarget(t, st, f, actor, tc.target, tc.twoOwners)
			before := len(unpublished(t, st))
			err := s.RemoveMember(ctx, actor.ID, f.ws.ID, target.ID)
			after := unpublished(t, st)
			if tc.kind != apperr.KindInternal {
				wantKind(t, err, tc.kind)
				if len(after) != before {
					t.Fatalf("a refused removal wrote %d events", len(after)-before)
				}
				return
			}
			wantOK(t, err)
			if _, err := st.GetMember(ctx, f.ws.ID, target.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("removed member still there: %v", err)
			}
			evs := after[before:]
			if len(evs) != 1 || evs[0].Type != model.EventWorkspaceMemberLeft || evs[0].ActorID != actor.ID {
				t.Fatalf("events = %+v", evs)
			}
		})
	}
}

func TestLastOwnerRulesBothEngines(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		f := newWSFixture(t, s, st, "l")
		wantKind(t, s.RemoveMember(ctx, f.owner.ID, f.ws.ID, f.owner.ID), apperr.KindConflict)
		_, err := s.SetMemberRole(ctx, f.owner.ID, f.ws.ID, f.owner.ID, model.RoleAdmin)
		wantKind(t, err, apperr.KindConflict)
		// Hand over: promote the admin, then the old owner may leave, and
		// the new one is now the last owner.
		_, err = s.SetMemberRole(ctx, f.owner.ID, f.ws.ID, f.admin.ID, model.RoleOwner)
		wantOK(t, err)
		wantOK(t, s.RemoveMember(ctx, f.owner.ID, f.ws.ID, f.owner.ID))
		wantKind(t, s.RemoveMember(ctx, f.admin.ID, f.ws.ID, f.admin.ID), apperr.KindConflict)
		n, err := st.CountOwners(ctx, f.ws.ID)
		wantOK(t, err)
		if n != 1 {
			t.Fatalf("owners = %d, want 1", n)
		}
	})
}

func TestWorkspaceLifecycleEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		owner := fixtureUser(t, st, "owner")
		wr, err := s.CreateWorkspace(ctx, owner.ID, "  Team  ")
		wantOK(t, err)
		if wr.Workspace.Name != "Team" || wr.Role != model.RoleOwner || wr.Workspace.CreatedBy != owner.ID {
			t.Fatalf("created %+v", wr)
		}
		renamed, err := s.RenameWorkspace(ctx, owner.ID, wr.Workspace.ID, " New name ")
		wantOK(t, err)
		if renamed.Workspace.Name != "New name" || renamed.Role != model.RoleOwner {
			t.Fatalf("renamed %+v", renamed)
		}
		wantOK(t, s.DeleteWorkspace(ctx, owner.ID, wr.Workspace.ID))
		_, err = s.Workspace(ctx, owner.ID, wr.Workspace.ID)
		wantKind(t, err, apperr.KindNotFound)

		// chat.created events of #general and #random are checked by
		// TestNewWorkspaceChannels; this test is about the workspace's own.
		var evs []model.Event
		for _, e := range unpublished(t, st) {
			if e.Type != model.EventChatCreated {
				evs = append(evs, e)
			}
		}
		wantTypes := []string{model.EventWorkspaceMemberJoined, model.EventWorkspaceUpdated, model.EventWorkspaceDeleted}
		if len(evs) != len(wantTypes) {
			t.Fatalf("events = %+v", evs)
		}
		for i, e := range evs {
			p := eventPayload(t, e)
			ws, _ := p["workspace"].(map[string]any)
			if e.Type != wantTypes[i] || e.WorkspaceID != wr.Workspace.ID || e.ChatID != 0 || e.ActorID != owner.ID ||
				p["type"] != e.Type || ws["id"] != float64(wr.Workspace.ID) {
				t.Fatalf("event %d = %+v %s", i, e, e.Payload)
			}
		}
		if ws := eventPayload(t, evs[1])["workspace"].(map[string]any); ws["name"] != "New name" {
			t.Fatalf("updated payload = %s", evs[1].Payload)
		}
	})
}

func TestWorkspaceNameValidation(t *testing.T) {
	st := openSQLiteStore(t)
	s := newTestService(t, st, Config{})
	owner := fixtureUser(t, st, "owner")
	ws := fixtureWorkspace(t, s, owner.ID, "Team")
	for _, name := range []string{"", "   ", "a\nb", "tab\there", "\u202eevil", string([]byte{0xff, 0xfe}), strings.Repeat("w", 81)} {
		_, err := s.CreateWorkspace(context.Background(), owner.ID, name)
		wantFields(t, err, apperr.KindInvalid, "name")
		_, err = s.RenameWorkspace(context.Background(), owner.ID, ws.ID, name)
		wantFields(t, err, apperr.KindInvalid, "name")
	}
	_, err := s.CreateWorkspace(context.Background(), owner.ID, strings.Repeat("ü", 80))
	wantOK(t, err)
}

func TestListWorkspacesAndMembers(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		f := newWSFixture(t, s, st, "m")
		other := fixtureWorkspace(t, s, f.outsider.ID, "Elsewhere")
		list, err := s.ListWorkspaces(ctx, f.guest.ID)
		wantOK(t, err)
		if len(list) != 1 || list[0].Workspace.ID != f.ws.ID || list[0].Role != model.RoleGuest {
			t.Fatalf("guest's workspaces = %+v", list)
		}
		members, err := s.Members(ctx, f.guest.ID, f.ws.ID)
		wantOK(t, err)
		if len(members) != 5 {
			t.Fatalf("members = %d, want 5", len(members))
		}
		for _, m := range members {
			if m.User.ID == 0 || m.User.ID == f.outsider.ID || !m.Role.Valid() {
				t.Fatalf("member %+v", m)
			}
		}
		_, err = s.Members(ctx, f.guest.ID, other.ID)
		wantKind(t, err, apperr.KindNotFound)
	})
}

// failingCommitStore runs every unit of work and then fails it, as a
// commit that does not happen would: nothing fn wrote may remain.
type failingCommitStore struct{ storage.Store }

var errInjectedCommit = errors.New("injected commit failure")

// InTx runs fn, then rolls back with errInjectedCommit.
func (f failingCommitStore) InTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	return f.Store.InTx(ctx, func(tx storage.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errInjectedCommit
	})
}

// TestEventsRollBackWithTheChange proves that each use case writes its
// event through the transaction: when the transaction fails, neither the
// change nor its event remains.
func TestEventsRollBackWithTheChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		good := newTestService(t, st, Config{})
		f := newWSFixture(t, good, st, "r")
		inv, err := good.CreateInvite(ctx, f.owner.ID, f.ws.ID, InviteInput{})
		wantOK(t, err)
		bad := newTestService(t, failingCommitStore{st}, Config{})
		before := len(unpublished(t, st))
		for name, run := range map[string]func() error{
			"create": func() error { _, err := bad.CreateWorkspace(ctx, f.outsider.ID, "Other"); return err },
			"rename": func() error { _, err := bad.RenameWorkspace(ctx, f.owner.ID, f.ws.ID, "Other"); return err },
			"role": func() error {
				_, err := bad.SetMemberRole(ctx, f.owner.ID, f.ws.ID, f.target.ID, model.RoleAdmin)
				return err
			},
			"remove": func() error { return bad.RemoveMember(ctx, f.owner.ID, f.ws.ID, f.target.ID) },
			"accept": func() error { _, err := bad.AcceptInvite(ctx, f.outsider.ID, inv.Code); return err },
			"delete": func() error { return bad.DeleteWorkspace(ctx, f.owner.ID, f.ws.ID) },
		} {
			if err := run(); !errors.Is(err, errInjectedCommit) {
				t.Fatalf("%s: err = %v, want the injected failure", name, err)
			}
		}
		if n := len(unpublished(t, st)) - before; n != 0 {
			t.Fatalf("%d events survived failed transactions", n)
		}
		wr, err := good.Workspace(ctx, f.owner.ID, f.ws.ID)
		wantOK(t, err)
		members, err := good.Members(ctx, f.owner.ID, f.ws.ID)
		wantOK(t, err)
		mine, err := good.ListWorkspaces(ctx, f.outsider.ID)
		wantOK(t, err)
		target, err := st.GetMember(ctx, f.ws.ID, f.target.ID)
		wantOK(t, err)
		if wr.Workspace.Name != f.ws.Name || len(members) != 5 || len(mine) != 0 || target.Role != model.RoleMember {
			t.Fatalf("a failed transaction left changes: %+v, %d members, outsider in %d, target %s", wr, len(members), len(mine), target.Role)
		}
	})
}

func TestWorkspaceEdgeCases(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		_, err := s.CreateWorkspace(ctx, 424242, "Ghost town")
		wantKind(t, err, apperr.KindNotFound)
		owner := fixtureUser(t, st, "owner")
		ws := fixtureWorkspace(t, s, owner.ID, "Team")
		before := len(unpublished(t, st))
		wr, err := s.RenameWorkspace(ctx, owner.ID, ws.ID, " Team ")
		wantOK(t, err)
		if wr.Workspace.Name != "Team" || len(unpublished(t, st)) != before {
			t.Fatalf("renaming to the same name: %+v, %d new events", wr, len(unpublished(t, st))-before)
		}
		list, err := s.ListWorkspaces(ctx, 424242)
		wantOK(t, err)
		if list == nil || len(list) != 0 {
			t.Fatalf("list for a user without workspaces = %#v, want empty", list)
		}
	})
}

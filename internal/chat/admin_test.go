package chat

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// The admin use cases write their change, its audit record and (when
// credentials end) the control event in one transaction; a refused action
// writes none of them; a user actor must be an enabled instance admin.
func TestAdminUseCases(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		cli := CLIActor("root")
		admin, err := s.CreateUserAsAdmin(ctx, cli, AdminUserInput{Email: "a@example.com", Password: "long enough pw", Username: "ann", Admin: true})
		wantOK(t, err)
		bob := fixtureUser(t, st, "bob")
		ws := fixtureWorkspace(t, s, admin.ID, "acme")
		before := len(unpublished(t, st))

		_, err = s.CreateUserAsAdmin(ctx, cli, AdminUserInput{Email: "x", Password: "short", Username: "ann"})
		wantKind(t, err, apperr.KindInvalid)
		_, err = s.CreateUserAsAdmin(ctx, cli, AdminUserInput{Email: "b@example.com", Password: "long enough pw", Username: "BOB"})
		wantKind(t, err, apperr.KindConflict)
		_, err = s.SetInstanceAdmin(ctx, cli, admin.ID, false)
		wantKind(t, err, apperr.KindConflict) // the last administrator
		_, err = s.SetDisabled(ctx, cli, admin.ID, true)
		wantKind(t, err, apperr.KindConflict)
		_, err = s.SetDisabled(ctx, Actor{UserID: bob.ID, Source: "10.0.0.1"}, admin.ID, true)
		wantKind(t, err, apperr.KindForbidden) // bob is no instance admin
		_, err = s.FindUser(ctx, "nobody")
		wantKind(t, err, apperr.KindNotFound)

		u, err := s.SetDisabled(ctx, Actor{UserID: admin.ID, Source: "10.0.0.2"}, bob.ID, true)
		wantOK(t, err)
		if !u.Disabled() {
			t.Fatal("SetDisabled returned an enabled user")
		}
		evs := unpublished(t, st)[before:]
		if len(evs) != 1 || evs[0].Type != model.EventCredentialsRevoked || evs[0].WorkspaceID != 0 ||
			eventPayload(t, evs[0])["user_id"] != float64(bob.ID) {
			t.Fatalf("events of a disable = %+v, want one %s about user %d", evs, model.EventCredentialsRevoked, bob.ID)
		}
		inv, err := s.CreateInviteAsAdmin(ctx, cli, ws.ID, InviteInput{MaxUses: 3})
		wantOK(t, err)
		if got, err := s.LookupInvite(ctx, inv.Code); err != nil || got.ID != ws.ID {
			t.Fatalf("the admin's invite leads to %+v, %v", got, err)
		}
		_, err = s.CreateInviteAsAdmin(ctx, cli, ws.ID+100, InviteInput{})
		wantKind(t, err, apperr.KindNotFound)

		log, err := s.AuditLog(ctx, AuditQuery{})
		wantOK(t, err)
		want := []struct{ action, actor, source string }{
			{AuditInviteCreate, "cli:root", "local"}, {AuditUserDisable, "ann", "10.0.0.2"}, {AuditUserCreate, "cli:root", "local"},
		}
		if len(log) != len(want) {
			t.Fatalf("audit log = %+v, want %d entries", log, len(want))
		}
		for i, w := range want {
			if log[i].Action != w.action || log[i].Actor != w.actor || log[i].Source != w.source {
				t.Errorf("audit entry %d = %+v, want %+v", i, log[i], w)
			}
		}
	})
}

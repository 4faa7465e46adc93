package chat

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// The instance settings: only an instance administrator (or the command
// line) changes them, a bad value changes nothing, workspace creation
// follows them inside its transaction, and SeesEmails follows a change
// made on this node at once.
func TestInstanceSettingsUseCases(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		cli := CLIActor("root")
		admin, err := s.CreateUserAsAdmin(ctx, cli, AdminUserInput{Email: "a@example.com", Password: "long enough pw", Username: "ann", Admin: true})
		wantOK(t, err)
		bob := fixtureUser(t, st, "bob")

		sees := func(id int64, want bool) {
			t.Helper()
			got, err := s.SeesEmails(ctx, id)
			wantOK(t, err)
			if got != want {
				t.Fatalf("SeesEmails(%d) = %v, want %v", id, got, want)
			}
		}
		sees(bob.ID, false)
		sees(admin.ID, true)

		admins, on, bad := model.WorkspaceCreationAdmins, true, "nobody"
		_, err = s.UpdateInstanceSettings(ctx, Actor{UserID: bob.ID}, InstanceSettingsPatch{WorkspaceCreation: &admins})
		wantKind(t, err, apperr.KindForbidden)
		_, err = s.UpdateInstanceSettings(ctx, cli, InstanceSettingsPatch{WorkspaceCreation: &bad, ShowMemberEmails: &on})
		wantKind(t, err, apperr.KindInvalid)
		if got, _ := s.InstanceSettings(ctx); got != model.DefaultInstanceSettings() {
			t.Fatalf("refused changes left %+v", got)
		}

		_, err = s.CreateWorkspace(ctx, bob.ID, "everyone's")
		wantOK(t, err)
		_, err = s.UpdateInstanceSettings(ctx, Actor{UserID: admin.ID}, InstanceSettingsPatch{WorkspaceCreation: &admins, ShowMemberEmails: &on})
		wantOK(t, err)
		_, err = s.CreateWorkspace(ctx, bob.ID, "bob's")
		wantKind(t, err, apperr.KindForbidden)
		_, err = s.CreateWorkspace(ctx, admin.ID, "ann's")
		wantOK(t, err)
		sees(bob.ID, true)

		log, err := s.AuditLog(ctx, AuditQuery{Action: AuditSettingsChange})
		wantOK(t, err)
		if len(log) != 1 || log[0].ActorID != admin.ID {
			t.Fatalf("audit = %+v", log)
		}
	})
}

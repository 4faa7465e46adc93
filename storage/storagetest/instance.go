package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func instanceTests() []leaf {
	return []leaf{{"SettingsDefaultsAndSave", testInstanceSettings}}
}

func testInstanceSettings(t *testing.T, s storage.Store) {
	ctx := context.Background()
	got, err := s.InstanceSettings(ctx)
	noErr(t, err, "defaults")
	if got != model.DefaultInstanceSettings() {
		t.Fatalf("settings of a new instance = %+v, want the defaults", got)
	}
	want := model.InstanceSettings{WorkspaceCreation: model.WorkspaceCreationAdmins, ShowMemberEmails: true, UpdatedAt: ts(1)}
	noErr(t, s.PutInstanceSettings(ctx, want), "save")
	got, err = s.InstanceSettings(ctx)
	noErr(t, err, "read back")
	sameTime(t, got.UpdatedAt, want.UpdatedAt, "updated_at")
	if got.WorkspaceCreation != want.WorkspaceCreation || !got.ShowMemberEmails {
		t.Fatalf("read back %+v, want %+v", got, want)
	}
	// Saving again replaces the one row, inside a transaction too.
	noErr(t, s.InTx(ctx, func(tx storage.Tx) error {
		return tx.PutInstanceSettings(ctx, model.InstanceSettings{WorkspaceCreation: model.WorkspaceCreationEveryone})
	}), "save in tx")
	got, err = s.InstanceSettings(ctx)
	noErr(t, err, "read back again")
	if got.WorkspaceCreation != model.WorkspaceCreationEveryone || got.ShowMemberEmails || got.UpdatedAt.IsZero() {
		t.Fatalf("after second save %+v", got)
	}
	// The database refuses a value no code should write.
	if err := s.PutInstanceSettings(ctx, model.InstanceSettings{WorkspaceCreation: "nobody"}); err == nil {
		t.Fatal("saved workspace_creation \"nobody\"")
	}
}

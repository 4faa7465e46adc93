package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func assistantTests() []leaf {
	return []leaf{
		{"Settings", testAssistantSettings},
		{"Commands", testAssistantCommands},
		{"Tokens", testAssistantTokens},
	}
}

func testAssistantSettings(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorkspace(t, s, newUser(t, s, "ann"), "Acme")
	_, err := s.AssistantSettings(ctx, w.ID)
	wantErr(t, err, storage.ErrNotFound, "settings never saved")
	noErr(t, s.PutAssistantSettings(ctx, model.AssistantSettings{WorkspaceID: w.ID, Enabled: false, SystemPrompt: "be brief", UpdatedAt: ts(1)}), "put")
	got, err := s.AssistantSettings(ctx, w.ID)
	noErr(t, err, "get")
	if got.Enabled || got.SystemPrompt != "be brief" {
		t.Fatalf("settings = %+v", got)
	}
	sameTime(t, got.UpdatedAt, ts(1), "updated_at")
	noErr(t, s.PutAssistantSettings(ctx, model.AssistantSettings{WorkspaceID: w.ID, Enabled: true, UpdatedAt: ts(2)}), "replace")
	if got, _ := s.AssistantSettings(ctx, w.ID); !got.Enabled || got.SystemPrompt != "" {
		t.Fatalf("after replace = %+v", got)
	}
	err = s.PutAssistantSettings(ctx, model.AssistantSettings{WorkspaceID: w.ID + 1000, Enabled: true})
	wantErr(t, err, storage.ErrNotFound, "settings of a missing workspace")
}

func testAssistantCommands(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	other := newWorkspace(t, s, ann, "Other")
	c := model.AssistantCommand{WorkspaceID: w.ID, Name: "standup", Description: "d", Template: "t {{input}}", CreatedBy: ann.ID}
	noErr(t, s.CreateAssistantCommand(ctx, &c), "create")
	if c.ID == 0 || c.CreatedAt.IsZero() {
		t.Fatalf("created = %+v", c)
	}
	dup := model.AssistantCommand{WorkspaceID: w.ID, Name: "standup", Template: "x", CreatedBy: ann.ID}
	wantErr(t, s.CreateAssistantCommand(ctx, &dup), storage.ErrConflict, "duplicate name")
	same := model.AssistantCommand{WorkspaceID: other.ID, Name: "standup", Template: "x", CreatedBy: ann.ID}
	noErr(t, s.CreateAssistantCommand(ctx, &same), "same name in another workspace")
	b := model.AssistantCommand{WorkspaceID: w.ID, Name: "abc", Template: "x", CreatedBy: ann.ID}
	noErr(t, s.CreateAssistantCommand(ctx, &b), "create second")
	list, err := s.AssistantCommands(ctx, w.ID)
	noErr(t, err, "list")
	if len(list) != 2 || list[0].Name != "abc" || list[1].Name != "standup" || list[1].Template != "t {{input}}" {
		t.Fatalf("list = %+v", list)
	}
	c.Name, c.Template = "standup2", "new"
	noErr(t, s.UpdateAssistantCommand(ctx, c), "update")
	c.Name = "abc"
	wantErr(t, s.UpdateAssistantCommand(ctx, c), storage.ErrConflict, "rename onto another")
	c.WorkspaceID = other.ID
	wantErr(t, s.UpdateAssistantCommand(ctx, c), storage.ErrNotFound, "update through another workspace")
	wantErr(t, s.DeleteAssistantCommand(ctx, other.ID, b.ID), storage.ErrNotFound, "delete through another workspace")
	noErr(t, s.DeleteAssistantCommand(ctx, w.ID, b.ID), "delete")
	wantErr(t, s.DeleteAssistantCommand(ctx, w.ID, b.ID), storage.ErrNotFound, "delete twice")
	list, _ = s.AssistantCommands(ctx, w.ID)
	if len(list) != 1 || list[0].Name != "standup2" || list[0].Template != "new" {
		t.Fatalf("after update and delete = %+v", list)
	}
}

func testAssistantTokens(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	w2 := newWorkspace(t, s, ann, "Other")
	if n, err := s.AssistantTokens(ctx, w.ID, "2026-12-06"); err != nil || n != 0 {
		t.Fatalf("no use yet = %d, %v", n, err)
	}
	for _, add := range []int64{100, 23} {
		if _, err := s.AddAssistantTokens(ctx, w.ID, "2026-12-06", add); err != nil {
			t.Fatal(err)
		}
	}
	total, err := s.AddAssistantTokens(ctx, w.ID, "2026-12-07", 5)
	noErr(t, err, "next day")
	if total != 5 {
		t.Fatalf("next day total = %d", total)
	}
	if n, _ := s.AssistantTokens(ctx, w.ID, "2026-12-06"); n != 123 {
		t.Fatalf("day total = %d", n)
	}
	if n, _ := s.AssistantTokens(ctx, w2.ID, "2026-12-06"); n != 0 {
		t.Fatalf("other workspace = %d", n)
	}
	ids, err := s.WorkspaceIDs(ctx)
	noErr(t, err, "workspace ids")
	if len(ids) != 2 || ids[0] != w.ID || ids[1] != w2.ID {
		t.Fatalf("workspace ids = %v", ids)
	}
}

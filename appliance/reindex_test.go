package appliance

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/storage"
)

// TestReindexStopsWhenCancelled: a reindex whose context ends (SIGINT or
// SIGTERM in `fechatter reindex`) stops after the batch in hand and says
// the index is partial, instead of running to the end.
func TestReindexStopsWhenCancelled(t *testing.T) {
	ctx := context.Background()
	cfg := Default()
	cfg.DataDir = t.TempDir()
	total := 3 * search.RebuildBatch
	err := withStore(ctx, cfg, func(st storage.Store) error {
		if err := migrateStore(ctx, st); err != nil {
			return err
		}
		u := model.User{Email: "a@example.com", Username: "a"}
		if err := st.CreateUser(ctx, &u); err != nil {
			return err
		}
		ws := model.Workspace{Name: "W", CreatedBy: u.ID}
		if err := st.CreateWorkspace(ctx, &ws); err != nil {
			return err
		}
		if err := st.AddMember(ctx, &model.Member{WorkspaceID: ws.ID, UserID: u.ID, Role: model.RoleOwner}); err != nil {
			return err
		}
		c := model.Chat{WorkspaceID: ws.ID, Type: model.ChatPublicChannel, Name: "general", CreatedBy: u.ID}
		if err := st.CreateChat(ctx, &c, []model.ChatMember{{UserID: u.ID, Role: model.ChatRoleAdmin}}); err != nil {
			return err
		}
		// Many messages in one statement (the store would fsync each).
		db, err := sql.Open("sqlite", SQLitePath(cfg))
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO messages (chat_id, workspace_id, seq, sender_id, content, created_at)
			SELECT ?, ?, i, ?, 'message number ' || i, i FROM n`, total, c.ID, ws.ID, u.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var last int
	err = Reindex(rctx, cfg, 0, func(done, _ int) {
		last = done
		cancel() // as the signal would, during the first batch's progress
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "reindex interrupted") {
		t.Fatalf("Reindex after cancel = %v, want an interrupted error", err)
	}
	if last >= total {
		t.Fatalf("Reindex ran to the end (%d of %d) after the cancel", last, total)
	}
}

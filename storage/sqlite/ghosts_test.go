package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
)

// TestGhostChatMembers: a chat_members row whose user is no longer in the
// chat's workspace (what the removal race of issue 14 left behind on
// Postgres) is in no chat's member list, which is the audience of
// real-time delivery, and the ghost migration, kept in step with
// Postgres's, drops it while keeping the real members.
func TestGhostChatMembers(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var users []model.User
	for _, name := range []string{"stays", "ghost"} {
		u := model.User{Email: name + "@example.test", Username: name}
		mustExec(t, s.CreateUser(ctx, &u))
		users = append(users, u)
	}
	ws := model.Workspace{Name: "Acme", CreatedBy: users[0].ID}
	mustExec(t, s.CreateWorkspace(ctx, &ws))
	var cms []model.ChatMember
	for _, u := range users {
		mustExec(t, s.AddMember(ctx, &model.Member{WorkspaceID: ws.ID, UserID: u.ID, Role: model.RoleMember}))
		cms = append(cms, model.ChatMember{UserID: u.ID, Role: model.ChatRoleMember})
	}
	c := model.Chat{WorkspaceID: ws.ID, Type: model.ChatGroup, CreatedBy: users[0].ID}
	mustExec(t, s.CreateChat(ctx, &c, cms))
	ghost := users[1].ID
	rawExec(t, s, `DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ?`, ws.ID, ghost)

	members, err := s.ListChatMembers(ctx, c.ID)
	mustExec(t, err)
	if len(members) != 1 || members[0].UserID != users[0].ID {
		t.Fatalf("chat members %+v, want only user %d (not the ghost %d)", members, users[0].ID, ghost)
	}

	rawExec(t, s, migrationNamed(t, "drop_ghost_chat_members"))
	var rows, ghosts int
	err = s.rdb.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE user_id = ?)
		FROM chat_members WHERE chat_id = ?`, ghost, c.ID).Scan(&rows, &ghosts)
	mustExec(t, err)
	if rows != 1 || ghosts != 0 {
		t.Fatalf("after the migration the chat has %d chat_members rows, %d of the ghost; want 1, 0", rows, ghosts)
	}
}

// migrationNamed returns the SQL of the embedded migration whose name
// contains part, wherever it is numbered.
func migrationNamed(t *testing.T, part string) string {
	t.Helper()
	migs, err := loadMigrations()
	mustExec(t, err)
	for _, m := range migs {
		if strings.Contains(m.name, part) {
			return m.sql
		}
	}
	t.Fatalf("no migration named like %q", part)
	return ""
}

// rawExec runs one statement in a write transaction, bypassing the store's
// methods (to make rows they would never leave).
func rawExec(t *testing.T, s *Store, query string, args ...any) {
	t.Helper()
	err := s.inTx(context.Background(), func(q *queries) error {
		_, err := q.w.ExecContext(context.Background(), query, args...)
		return err
	})
	mustExec(t, err)
}

func mustExec(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
)

// TestGhostChatMembers: a chat_members row whose user is no longer in the
// chat's workspace (what the removal race of issue 14 left behind before
// adding chat members took row locks) is in no chat's member list, which
// is the audience of real-time delivery, and the ghost migration drops it
// while keeping the real members.
func TestGhostChatMembers(t *testing.T) {
	ctx := context.Background()
	s, _ := openTraced(t)
	var users []model.User
	for _, name := range []string{"stays", "ghost"} {
		u := model.User{Email: name + "@example.test", Username: name}
		mustDo(t, s.CreateUser(ctx, &u))
		users = append(users, u)
	}
	ws := model.Workspace{Name: "Acme", CreatedBy: users[0].ID}
	mustDo(t, s.CreateWorkspace(ctx, &ws))
	var cms []model.ChatMember
	for _, u := range users {
		mustDo(t, s.AddMember(ctx, &model.Member{WorkspaceID: ws.ID, UserID: u.ID, Role: model.RoleMember}))
		cms = append(cms, model.ChatMember{UserID: u.ID, Role: model.ChatRoleMember})
	}
	c := model.Chat{WorkspaceID: ws.ID, Type: model.ChatGroup, CreatedBy: users[0].ID}
	mustDo(t, s.CreateChat(ctx, &c, cms))
	ghost := users[1].ID
	_, err := s.pool.Exec(ctx, `DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, ws.ID, ghost)
	mustDo(t, err)

	members, err := s.ListChatMembers(ctx, c.ID)
	mustDo(t, err)
	if len(members) != 1 || members[0].UserID != users[0].ID {
		t.Fatalf("chat members %+v, want only user %d (not the ghost %d)", members, users[0].ID, ghost)
	}

	runMigrationNamed(t, s, "drop_ghost_chat_members")
	var rows, ghosts int
	err = s.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE user_id = $2)
		FROM chat_members WHERE chat_id = $1`, c.ID, ghost).Scan(&rows, &ghosts)
	mustDo(t, err)
	if rows != 1 || ghosts != 0 {
		t.Fatalf("after the migration the chat has %d chat_members rows, %d of the ghost; want 1, 0", rows, ghosts)
	}
}

// runMigrationNamed runs the SQL of the embedded migration whose name
// contains part again (it must be safe to repeat), wherever it is numbered.
func runMigrationNamed(t *testing.T, s *Store, part string) {
	t.Helper()
	migs, err := loadMigrations()
	mustDo(t, err)
	for _, m := range migs {
		if strings.Contains(m.name, part) {
			_, err := s.pool.Exec(context.Background(), m.sql)
			mustDo(t, err)
			return
		}
	}
	t.Fatalf("no migration named like %q", part)
}

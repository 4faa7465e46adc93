package chat

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// benchChat opens a SQLite store in a temp dir with one workspace and a
// group of three, and returns the service, the sending user and the chat.
func benchChat(b *testing.B) (*Service, int64, int64) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatalf("open sqlite: %v", err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	ids := benchUsers(b, st, 3)
	ws := model.Workspace{Name: "bench", CreatedBy: ids[0]}
	if err := st.CreateWorkspace(ctx, &ws); err != nil {
		b.Fatalf("create workspace: %v", err)
	}
	for _, id := range ids {
		if err := st.AddMember(ctx, &model.Member{WorkspaceID: ws.ID, UserID: id, Role: model.RoleMember}); err != nil {
			b.Fatalf("add member: %v", err)
		}
	}
	s := New(st, nil, Config{FilesDir: b.TempDir()}, nil)
	c, _, err := s.CreateChat(ctx, ids[0], ws.ID, CreateChatInput{Type: model.ChatGroup, MemberIDs: ids[1:]})
	if err != nil {
		b.Fatalf("create chat: %v", err)
	}
	return s, ids[0], c.ID
}

func benchUsers(b *testing.B, st storage.Store, n int) []int64 {
	b.Helper()
	ids := make([]int64, n)
	for i := range ids {
		u := model.User{Email: fmt.Sprintf("b%d@example.test", i), Username: fmt.Sprintf("bench%d", i), DisplayName: "b"}
		if err := st.CreateUser(context.Background(), &u); err != nil {
			b.Fatalf("create user: %v", err)
		}
		ids[i] = u.ID
	}
	return ids
}

func BenchmarkSendMessage(b *testing.B) {
	s, userID, chatID := benchChat(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		in := SendMessageInput{Content: "hello @bench1, how are you?", ClientID: fmt.Sprint("bench-", i)}
		if _, _, err := s.SendMessage(ctx, userID, chatID, in); err != nil {
			b.Fatalf("send: %v", err)
		}
	}
}

func BenchmarkMessages(b *testing.B) {
	s, userID, chatID := benchChat(b)
	ctx := context.Background()
	for i := range 500 {
		if _, _, err := s.SendMessage(ctx, userID, chatID, SendMessageInput{Content: fmt.Sprint("message ", i)}); err != nil {
			b.Fatalf("send: %v", err)
		}
	}
	for b.Loop() {
		page, _, err := s.Messages(ctx, userID, chatID, MessageQuery{Limit: DefaultPageLimit})
		if err != nil || len(page) != DefaultPageLimit {
			b.Fatalf("list: %d messages, %v", len(page), err)
		}
	}
}

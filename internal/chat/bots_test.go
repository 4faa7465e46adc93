package chat

import (
	"context"
	"sync"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestEnsureBot(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{FilesDir: t.TempDir()})
		owner := fixtureUser(t, st, "owner")
		ws := fixtureWorkspace(t, s, owner.ID, "ops")
		other := fixtureWorkspace(t, s, owner.ID, "other")

		// Concurrent first calls create one account and one membership.
		bots := make([]model.User, 4)
		var wg sync.WaitGroup
		for i := range bots {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				bots[i], err = s.EnsureBot(ctx, ws.ID, "system", "System")
				wantOK(t, err)
			}()
		}
		wg.Wait()
		for _, b := range bots {
			if b.ID != bots[0].ID || !b.IsBot || b.Username != "system" || b.PasswordHash != "" {
				t.Fatalf("EnsureBot returned %+v and %+v", bots[0], b)
			}
		}
		again, err := s.EnsureBot(ctx, other.ID, "system", "System")
		wantOK(t, err)
		if again.ID != bots[0].ID {
			t.Fatalf("second workspace got bot %d, want %d", again.ID, bots[0].ID)
		}
		for _, wsID := range []int64{ws.ID, other.ID} {
			if _, err := st.WorkspaceForMember(ctx, wsID, again.ID); err != nil {
				t.Fatalf("bot not a member of workspace %d: %v", wsID, err)
			}
		}

		// A person's username is never taken over; a missing workspace is 404.
		_, err = s.EnsureBot(ctx, ws.ID, "owner", "Owner")
		wantKind(t, err, apperr.KindConflict)
		_, err = s.EnsureBot(ctx, 999999, "system", "System")
		wantKind(t, err, apperr.KindNotFound)
	})
}

func TestMessageInstanceAdmins(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{FilesDir: t.TempDir()})
		admin := model.User{Email: "root@example.com", Username: "root", IsAdmin: true}
		wantOK(t, st.CreateUser(ctx, &admin))
		lonely := model.User{Email: "lonely@example.com", Username: "lonely", IsAdmin: true}
		wantOK(t, st.CreateUser(ctx, &lonely))
		member := fixtureUser(t, st, "member")
		ws := fixtureWorkspace(t, s, admin.ID, "ops")
		fixtureMember(t, st, ws.ID, member.ID, model.RoleMember)

		for range 2 {
			sent, err := s.MessageInstanceAdmins(ctx, "system", "System", "disk nearly full")
			wantOK(t, err)
			if len(sent) != 1 || sent[0].Recipient.ID != admin.ID {
				t.Fatalf("sent %+v, want one message to the admin in a workspace", sent)
			}
		}
		chats, err := s.ListChats(ctx, admin.ID, ws.ID)
		wantOK(t, err)
		var direct []model.ChatSummary
		for _, c := range chats {
			if c.Type == model.ChatDirect {
				direct = append(direct, c)
			}
		}
		if len(direct) != 1 {
			t.Fatalf("admin has %d direct chats, want 1 with the bot", len(direct))
		}
		msgs, _, err := s.Messages(ctx, admin.ID, direct[0].ID, MessageQuery{})
		wantOK(t, err)
		if len(msgs) != 2 || msgs[0].Content != "disk nearly full" {
			t.Fatalf("messages = %+v", msgs)
		}
		memberChats, err := s.ListChats(ctx, member.ID, ws.ID)
		wantOK(t, err)
		for _, c := range memberChats {
			if c.Type == model.ChatDirect {
				t.Fatalf("a member who is not an admin got a direct chat: %+v", c)
			}
		}
	})
}

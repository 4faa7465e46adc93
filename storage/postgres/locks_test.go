package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// TestLockWorkspaceSerialisesOnlyLockers: while one transaction holds
// LockWorkspace, chats, members, chat members and messages can still be
// added to the workspace, and a second LockWorkspace waits until the
// first transaction ends.
func TestLockWorkspaceSerialisesOnlyLockers(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URLFromTemplate(t, "migrated", migrated)
	s := open(t, url)
	observer := connect(t, url)
	f := newFixture(t, s, 3)
	locked, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.InTx(ctx, func(tx storage.Tx) error {
			if err := tx.LockWorkspace(ctx, f.ws.ID); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked

	// A bound only so that a regression fails instead of hanging.
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	newcomer := model.User{Email: "new@example.com", Username: "newcomer"}
	must(t, s.CreateUser(wctx, &newcomer))
	must(t, s.AddMember(wctx, &model.Member{WorkspaceID: f.ws.ID, UserID: newcomer.ID, Role: model.RoleMember}))
	c := model.Chat{WorkspaceID: f.ws.ID, Type: model.ChatPublicChannel, Name: "new", CreatedBy: f.users[0].ID}
	must(t, s.CreateChat(wctx, &c, []model.ChatMember{{UserID: f.users[0].ID, Role: model.ChatRoleAdmin}}))
	_, err := s.AddChatMembers(wctx, c.ID, []model.ChatMember{{UserID: newcomer.ID}, {UserID: f.users[1].ID}})
	must(t, err)
	_, err = s.CreateMessage(wctx, &model.Message{ChatID: c.ID, SenderID: newcomer.ID, Content: "hi"})
	must(t, err)
	must(t, s.SetMemberRole(wctx, f.ws.ID, f.users[2].ID, model.RoleAdmin))

	second := make(chan error, 1)
	go func() {
		second <- s.InTx(ctx, func(tx storage.Tx) error { return tx.LockWorkspace(ctx, f.ws.ID) })
	}()
	waitForLockWait(t, observer)
	select {
	case err := <-second:
		t.Fatalf("second lock returned (%v) while the first is held", err)
	default:
	}
	close(release)
	must(t, <-first)
	must(t, <-second)
}

// waitForLockWait polls until some backend waits for a lock (the second
// LockWorkspace), failing after a generous deadline.
func waitForLockWait(t *testing.T, observer *pgx.Conn) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		err := observer.QueryRow(context.Background(),
			`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&waiting)
		must(t, err)
		if waiting > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the second LockWorkspace never waited for the first")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// roundTrips counts statements and batches sent to the server: each is one
// round trip.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// count returns how many round trips fn made.
func (r *roundTrips) count(t *testing.T, fn func() error) int64 {
	t.Helper()
	before := r.n.Load()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
	return r.n.Load() - before
}

func openTraced(t *testing.T) (*Store, *roundTrips) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	rt := &roundTrips{}
	cfg.ConnConfig.Tracer = rt
	s, err := openConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, rt
}

// TestReadsTakeBoundedRoundTrips guards against N+1 queries: the chat list
// is one query, and a page of messages costs the same whatever its size.
func TestReadsTakeBoundedRoundTrips(t *testing.T) {
	ctx := context.Background()
	s, rt := openTraced(t)
	ws, users, chats := seedForCounting(t, s, 2, 12)
	viewer := users[0].ID

	n := rt.count(t, func() error { _, err := s.ListChatsForUser(ctx, ws.ID, viewer); return err })
	if n != 1 {
		t.Errorf("ListChatsForUser took %d round trips, want 1", n)
	}
	for _, tc := range []struct {
		limit int
		want  int64
	}{{1, 2}, {5, 2}, {12, 2}} {
		n := rt.count(t, func() error {
			page, _, err := s.ListMessages(ctx, viewer, chats[0].ID, storage.MessageQuery{Limit: tc.limit})
			if err == nil && len(page) != tc.limit {
				err = fmt.Errorf("page of %d, want %d", len(page), tc.limit)
			}
			return err
		})
		if n != tc.want {
			t.Errorf("ListMessages(limit %d) took %d round trips, want %d", tc.limit, n, tc.want)
		}
	}
	n = rt.count(t, func() error { _, err := s.ListMentions(ctx, users[1].ID, false, 50); return err })
	if n != 2 {
		t.Errorf("ListMentions took %d round trips, want 2", n)
	}
}

// seedForCounting makes nChats chats of three users with nMsgs messages
// each, every message with a reaction, a mention and an attachment.
func seedForCounting(t *testing.T, s *Store, nChats, nMsgs int) (model.Workspace, []model.User, []model.Chat) {
	t.Helper()
	ctx := context.Background()
	var users []model.User
	var cms []model.ChatMember
	for i := range 3 {
		u := model.User{Email: fmt.Sprintf("c%d@example.com", i), Username: fmt.Sprintf("c%d", i)}
		mustDo(t, s.CreateUser(ctx, &u))
		users = append(users, u)
		cms = append(cms, model.ChatMember{UserID: u.ID, Role: model.ChatRoleMember})
	}
	ws := model.Workspace{Name: "w", CreatedBy: users[0].ID}
	mustDo(t, s.CreateWorkspace(ctx, &ws))
	for _, u := range users {
		mustDo(t, s.AddMember(ctx, &model.Member{WorkspaceID: ws.ID, UserID: u.ID, Role: model.RoleMember}))
	}
	f := model.File{WorkspaceID: ws.ID, UploaderID: users[0].ID, Name: "a", Size: 1, ContentType: "text/plain", SHA256: "x"}
	mustDo(t, s.CreateFile(ctx, &f))
	var chats []model.Chat
	for range nChats {
		c := model.Chat{WorkspaceID: ws.ID, Type: model.ChatGroup, CreatedBy: users[0].ID}
		mustDo(t, s.CreateChat(ctx, &c, append([]model.ChatMember(nil), cms...)))
		for i := range nMsgs {
			m := model.Message{ChatID: c.ID, SenderID: users[i%3].ID, Content: "m",
				Mentions: []int64{users[1].ID}, Attachments: []model.File{f}}
			_, err := s.CreateMessage(ctx, &m)
			mustDo(t, err)
			_, err = s.AddReaction(ctx, m.ID, users[2].ID, "👍")
			mustDo(t, err)
		}
		chats = append(chats, c)
	}
	return ws, users, chats
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

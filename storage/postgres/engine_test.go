package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// fixture is a workspace with n members and one group chat of all of them.
type fixture struct {
	users []model.User
	ws    model.Workspace
	chat  model.Chat
}

func newFixture(t testing.TB, s storage.Store, n int) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	for i := range n {
		u := model.User{Email: fmt.Sprintf("u%d@example.com", i), Username: fmt.Sprintf("u%d", i)}
		must(t, s.CreateUser(ctx, &u))
		f.users = append(f.users, u)
	}
	f.ws = model.Workspace{Name: "Acme", CreatedBy: f.users[0].ID}
	must(t, s.CreateWorkspace(ctx, &f.ws))
	var cms []model.ChatMember
	for _, u := range f.users {
		must(t, s.AddMember(ctx, &model.Member{WorkspaceID: f.ws.ID, UserID: u.ID, Role: model.RoleMember}))
		cms = append(cms, model.ChatMember{UserID: u.ID, Role: model.ChatRoleMember})
	}
	f.chat = model.Chat{WorkspaceID: f.ws.ID, Type: model.ChatGroup, CreatedBy: f.users[0].ID}
	must(t, s.CreateChat(ctx, &f.chat, cms))
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCreateMessageSameClientIDRace: eight attempts to send one message
// (a client retrying on several connections) store it once, and all of
// them get that one message, outside and inside InTx.
func TestCreateMessageSameClientIDRace(t *testing.T) {
	for _, inTx := range []bool{false, true} {
		t.Run(fmt.Sprintf("inTx=%v", inTx), func(t *testing.T) {
			ctx := context.Background()
			s := openFresh(t)
			f := newFixture(t, s, 1)
			const n = 8
			msgs := make([]model.Message, n)
			created := make([]bool, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					msgs[i] = model.Message{ChatID: f.chat.ID, SenderID: f.users[0].ID, Content: "hi", ClientID: "c-1"}
					send := func(tx storage.Tx) error {
						var err error
						created[i], err = tx.CreateMessage(ctx, &msgs[i])
						return err
					}
					if inTx {
						errs[i] = s.InTx(ctx, send)
					} else {
						errs[i] = send(s)
					}
				})
			}
			wg.Wait()
			var firsts int
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("attempt %d: %v", i, errs[i])
				}
				if created[i] {
					firsts++
				}
				if msgs[i].ID != msgs[0].ID || msgs[i].Seq != 1 || msgs[i].Content != "hi" {
					t.Fatalf("attempt %d got message %+v, want the one message (id %d, seq 1)", i, msgs[i], msgs[0].ID)
				}
			}
			if firsts != 1 {
				t.Fatalf("%d attempts report created, want exactly 1", firsts)
			}
			page, _, err := s.ListMessages(ctx, f.users[0].ID, f.chat.ID, storage.MessageQuery{})
			must(t, err)
			if len(page) != 1 {
				t.Fatalf("chat holds %d messages, want 1", len(page))
			}
			a, err := s.ChatAccess(ctx, f.chat.ID, f.users[0].ID)
			must(t, err)
			if a.Chat.LastSeq != 1 {
				t.Fatalf("chat last_seq = %d, want 1 (a rolled-back duplicate must not use a seq)", a.Chat.LastSeq)
			}
		})
	}
}

// TestCreateMessageConcurrentSendersGapFree: concurrent senders in one chat
// get seqs 1..N with no gap and no duplicate.
func TestCreateMessageConcurrentSendersGapFree(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t)
	f := newFixture(t, s, 4)
	const perSender = 10
	var mu sync.Mutex
	var seqs []int64
	var wg sync.WaitGroup
	errs := make(chan error, len(f.users)*perSender)
	for _, u := range f.users {
		wg.Go(func() {
			for i := range perSender {
				m := model.Message{ChatID: f.chat.ID, SenderID: u.ID, Content: "x", ClientID: fmt.Sprintf("%d-%d", u.ID, i)}
				if _, err := s.CreateMessage(ctx, &m); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seqs = append(seqs, m.Seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("seqs = %v, want 1..%d", seqs, len(f.users)*perSender)
		}
	}
}

// TestConflictInsideTxKeepsTxUsable: a conflict reported inside InTx must
// not abort the transaction (Postgres aborts a transaction on any failed
// statement unless it ran under a savepoint).
func TestConflictInsideTxKeepsTxUsable(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t)
	f := newFixture(t, s, 2)
	dupChannel := func(tx storage.Tx) error {
		c := model.Chat{WorkspaceID: f.ws.ID, Type: model.ChatPublicChannel, Name: "General", CreatedBy: f.users[0].ID}
		return tx.CreateChat(ctx, &c, nil)
	}
	must(t, dupChannel(s))
	for _, tc := range []struct {
		name string
		fail func(tx storage.Tx) error
	}{
		{"create user", func(tx storage.Tx) error {
			return tx.CreateUser(ctx, &model.User{Email: "U0@example.com", Username: "new"})
		}},
		{"update profile", func(tx storage.Tx) error {
			u := f.users[1]
			u.Username = "U0"
			return tx.UpdateProfile(ctx, u)
		}},
		{"add member", func(tx storage.Tx) error {
			return tx.AddMember(ctx, &model.Member{WorkspaceID: f.ws.ID, UserID: f.users[1].ID, Role: model.RoleMember})
		}},
		{"create channel", dupChannel},
		{"rename channel", func(tx storage.Tx) error {
			c := model.Chat{WorkspaceID: f.ws.ID, Type: model.ChatPrivateChannel, Name: "other", CreatedBy: f.users[0].ID}
			if err := tx.CreateChat(ctx, &c, nil); err != nil {
				return err
			}
			c.Name = "GENERAL"
			return tx.UpdateChat(ctx, c)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var after model.User
			err := s.InTx(ctx, func(tx storage.Tx) error {
				if err := tc.fail(tx); !errors.Is(err, storage.ErrConflict) {
					return fmt.Errorf("want ErrConflict, got %v", err)
				}
				after = model.User{Email: tc.name + "@example.com", Username: "after " + tc.name}
				return tx.CreateUser(ctx, &after)
			})
			must(t, err)
			if _, err := s.UserByID(ctx, after.ID); err != nil {
				t.Fatalf("write after the conflict was not committed: %v", err)
			}
		})
	}
}

// TestBadValuesAreInvalid: text Postgres cannot hold is storage.ErrInvalid
// (which the use cases answer with a 400), not an internal error.
func TestBadValuesAreInvalid(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t)
	f := newFixture(t, s, 1)
	for _, content := range []string{"nul \x00 byte", "bad utf8 \xff\xfe"} {
		m := model.Message{ChatID: f.chat.ID, SenderID: f.users[0].ID, Content: content}
		_, err := s.CreateMessage(ctx, &m)
		if !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("content %q: got %v, want storage.ErrInvalid", content, err)
		}
	}
	other := model.Workspace{Name: "Other", CreatedBy: f.users[0].ID}
	must(t, s.CreateWorkspace(ctx, &other))
	err := s.AddMember(ctx, &model.Member{WorkspaceID: other.ID, UserID: f.users[0].ID, Role: "emperor"})
	if !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("bad role: got %v, want storage.ErrInvalid", err)
	}
}

// TestRetryInsideOneTx: sending the same client id twice in one
// transaction returns the first message and leaves the transaction usable.
func TestRetryInsideOneTx(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t)
	f := newFixture(t, s, 1)
	var first, again, next model.Message
	err := s.InTx(ctx, func(tx storage.Tx) error {
		first = model.Message{ChatID: f.chat.ID, SenderID: f.users[0].ID, Content: "a", ClientID: "c"}
		again = first
		next = model.Message{ChatID: f.chat.ID, SenderID: f.users[0].ID, Content: "b", ClientID: "d"}
		for _, m := range []*model.Message{&first, &again, &next} {
			if _, err := tx.CreateMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
	if again.ID != first.ID || next.Seq != 2 {
		t.Fatalf("first %d/%d, again %d/%d, next seq %d; want again = first and next seq 2",
			first.ID, first.Seq, again.ID, again.Seq, next.Seq)
	}
}

// TestPingUsesFreshConnection: Ping fails once the database refuses new
// connections, even while pooled ones still work.
func TestPingUsesFreshConnection(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := postgres.Open(ctx, url)
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	must(t, s.Ping(ctx))
	_, _, err = s.SchemaVersion(ctx) // leaves an idle connection in the pool
	must(t, err)
	var db string
	must(t, connect(t, url).QueryRow(ctx, `SELECT current_database()`).Scan(&db))
	// A database cannot refuse connections to itself: ask from another one
	// on the same server.
	conn := connect(t, pgtest.URL(t))
	_, err = conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS false`, db))
	must(t, err)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS true`, db))
	})
	if err := s.Ping(ctx); err == nil {
		t.Fatal("ping succeeded although the database refuses new connections")
	}
	if _, _, err := s.SchemaVersion(ctx); err != nil {
		t.Fatalf("the pooled connection should still work (so only a fresh one notices): %v", err)
	}
}

// TestRefreshTokenLocksSessionInTx: a second refresh of the same family
// waits for the first transaction and then sees its rotation.
func TestRefreshTokenLocksSessionInTx(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := postgres.Open(ctx, url)
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	must(t, s.Migrate(ctx))
	f := newFixture(t, s, 1)
	sess := model.Session{UserID: f.users[0].ID, ExpiresAt: time.Now().Add(time.Hour)}
	must(t, s.CreateSession(ctx, &sess, "t1"))

	locked := make(chan struct{})
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.InTx(ctx, func(tx storage.Tx) error {
			if _, _, err := tx.RefreshToken(ctx, "t1"); err != nil {
				return err
			}
			close(locked)
			<-release
			return tx.RotateRefreshToken(ctx, "t1", "t2", time.Now(), time.Now().Add(time.Hour))
		})
	}()
	<-locked
	second := make(chan *time.Time, 1)
	secondErr := make(chan error, 1)
	go func() {
		secondErr <- s.InTx(ctx, func(tx storage.Tx) error {
			rt, _, err := tx.RefreshToken(ctx, "t1")
			second <- rt.UsedAt
			return err
		})
	}()
	waitForLockWaiter(t, url)
	close(release)
	must(t, <-first)
	must(t, <-secondErr)
	if used := <-second; used == nil {
		t.Fatal("second refresh did not see the first one's rotation: the session row was not locked")
	}
}

// waitForLockWaiter polls until some backend of this database waits on a lock.
func waitForLockWaiter(t *testing.T, url string) {
	t.Helper()
	conn := connect(t, url)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		must(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n))
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no backend waited on the session lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

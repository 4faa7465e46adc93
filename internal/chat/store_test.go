package chat

// Shared test helpers for every test file of package chat: real stores on
// both engines, a Service with fast password hashing, and small fixtures.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// TestMain stops the throwaway Postgres cluster when the tests end.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openSQLiteStore returns a fresh, migrated SQLite store in a temp dir.
func openSQLiteStore(t *testing.T) storage.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return st
}

// openPostgresStore returns a fresh, migrated Postgres store in its own
// database (skipped without Postgres, failed under CI=true: see pgtest).
func openPostgresStore(t *testing.T) storage.Store {
	t.Helper()
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return st
}

// forEachStore runs fn as a subtest on a fresh, empty store of each engine
// ("sqlite", "postgres").
func forEachStore(t *testing.T, fn func(t *testing.T, st storage.Store)) {
	t.Helper()
	engines := []struct {
		name string
		open func(t *testing.T) storage.Store
	}{
		{"sqlite", openSQLiteStore},
		{"postgres", openPostgresStore},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { fn(t, e.open(t)) })
	}
}

// testAuthConfig is auth with cheap argon2id so that tests stay fast.
func testAuthConfig() auth.Config {
	return auth.Config{
		SigningKey: []byte("test-signing-key-0123456789abcdef-0123456789"),
		Argon:      auth.ArgonParams{Memory: 64, Time: 1, Threads: 1},
	}
}

// newTestService returns a Service over st with a real auth.Service.
func newTestService(t *testing.T, st storage.Store, cfg Config) *Service {
	t.Helper()
	return New(st, auth.New(st, testAuthConfig()), cfg, nil)
}

// wantKind fails the test unless err carries kind (KindInternal for a nil
// err means "no error expected" is not representable: use wantOK).
func wantKind(t *testing.T, err error, kind apperr.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", kind.Code())
	}
	if got := apperr.KindOf(err); got != kind {
		t.Fatalf("got %s (%v), want %s", got.Code(), err, kind.Code())
	}
}

// wantOK fails the test on an error.
func wantOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// unpublished returns every unpublished outbox event.
func unpublished(t *testing.T, st storage.Store) []model.Event {
	t.Helper()
	evs, err := st.UnpublishedEvents(context.Background(), 10000)
	if err != nil {
		t.Fatalf("unpublished events: %v", err)
	}
	return evs
}

// eventPayload decodes an event's JSON payload.
func eventPayload(t *testing.T, e model.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		t.Fatalf("decode payload of %s: %v", e.Type, err)
	}
	return m
}

// fixtureUser inserts a user straight into the store (no password) and
// returns it; username must be unique in the test's store.
func fixtureUser(t *testing.T, st storage.Store, username string) model.User {
	t.Helper()
	u := model.User{Email: username + "@example.test", Username: username, DisplayName: username}
	if err := st.CreateUser(context.Background(), &u); err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// fixtureWorkspace creates a workspace owned by ownerID through the service.
func fixtureWorkspace(t *testing.T, s *Service, ownerID int64, name string) model.Workspace {
	t.Helper()
	wr, err := s.CreateWorkspace(context.Background(), ownerID, name)
	if err != nil {
		t.Fatalf("create workspace %s: %v", name, err)
	}
	return wr.Workspace
}

// fixtureMember adds userID to a workspace with role, straight into the store.
func fixtureMember(t *testing.T, st storage.Store, workspaceID, userID int64, role model.Role) {
	t.Helper()
	m := model.Member{WorkspaceID: workspaceID, UserID: userID, Role: role}
	if err := st.AddMember(context.Background(), &m); err != nil {
		t.Fatalf("add member %d as %s: %v", userID, role, err)
	}
}

// advanceClock moves the service's clock forward by d. Not for use while
// the service runs calls concurrently.
func advanceClock(s *Service, d time.Duration) {
	prev := s.now
	s.now = func() time.Time { return prev().Add(d) }
}

// TestStoreErr: a storage sentinel that no rule answered reaches the caller
// as its apperr kind, with the storage error still in the chain; an apperr
// or any other error passes as it is.
func TestStoreErr(t *testing.T) {
	plain := errors.New("disk on fire")
	for _, tc := range []struct {
		name string
		in   error
		want apperr.Kind
	}{
		{"not found", fmt.Errorf("load chat 7: %w", storage.ErrNotFound), apperr.KindNotFound},
		{"conflict", fmt.Errorf("insert user: %w", storage.ErrConflict), apperr.KindConflict},
		{"invalid", fmt.Errorf("add member: %w", storage.ErrInvalid), apperr.KindInvalid},
		{"a rule's own answer", fmt.Errorf("wrapped: %w", apperr.Forbidden("no")), apperr.KindForbidden},
		{"anything else", plain, apperr.KindInternal},
	} {
		got := storeErr(tc.in)
		if apperr.KindOf(got) != tc.want || !errors.Is(got, tc.in) {
			t.Errorf("%s: %v (kind %v), want kind %v wrapping the input", tc.name, got, apperr.KindOf(got), tc.want)
		}
	}
	if storeErr(nil) != nil {
		t.Error("storeErr(nil) is not nil")
	}
}

package meili_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/meili"
	"github.com/fechatter/fechatter/internal/search/meili/meilistub"
	"github.com/fechatter/fechatter/internal/search/searchtest"
	"github.com/fechatter/fechatter/internal/testproc"
)

// openStub returns a Engine backend on a fresh stub.
func openStub(t *testing.T, cfg meili.Config) (*meili.Engine, *meilistub.Server) {
	t.Helper()
	stub := meilistub.New(meilistub.Options{})
	t.Cleanup(stub.Close)
	cfg.URL, cfg.APIKey = stub.URL, stub.MasterKey()
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	m, err := meili.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m, stub
}

// TestMeiliConformanceStub runs the Index conformance suite against the
// Meilisearch backend talking to meilistub.
func TestMeiliConformanceStub(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index {
		m, _ := openStub(t, meili.Config{})
		return m
	})
}

func randomUID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

func msg(id int64, content string) search.Doc {
	return searchtest.Doc(id, searchtest.General, searchtest.Alice, 0, content)
}

func count(t *testing.T, idx search.Index, ws int64) int {
	t.Helper()
	n, err := idx.Count(context.Background(), ws)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func hitIDs(t *testing.T, idx search.Index, text string) []int64 {
	t.Helper()
	res, err := idx.Search(context.Background(), search.Query{
		WorkspaceID: searchtest.WS1, AllowedChatIDs: searchtest.WS1Chats, Text: text, Now: searchtest.Now,
	})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	var out []int64
	for _, h := range res.Hits {
		out = append(out, h.Doc.ID)
	}
	return out
}

// waitFor polls cond until it holds (a deadline only turns a hang into a failure).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testproc.Until(t, 15*time.Second, "the condition", cond)
}

// TestMeiliWritesDoNotWaitForTasks: with the stub's task processing
// paused, Upsert still returns; a read whose wait is bounded answers with
// what Meilisearch has; once tasks run, the write is visible.
func TestMeiliWritesDoNotWaitForTasks(t *testing.T) {
	ctx := context.Background()
	m, stub := openStub(t, meili.Config{ReadWait: time.Millisecond})
	if err := m.Upsert(ctx, []search.Doc{msg(1, "first words")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return m.PendingWrites() == 0 })
	if got := count(t, m, searchtest.WS1); got != 1 {
		t.Fatalf("count before pause = %d", got)
	}
	stub.Pause()
	if err := m.Upsert(ctx, []search.Doc{msg(2, "second words")}); err != nil {
		t.Fatalf("upsert with tasks paused: %v", err)
	}
	if m.PendingWrites() != 1 {
		t.Fatalf("pending = %d, want 1", m.PendingWrites())
	}
	if got := count(t, m, searchtest.WS1); got != 1 {
		t.Fatalf("count with the write still enqueued = %d, want 1 (stale read after ReadWait)", got)
	}
	stub.Resume()
	waitFor(t, func() bool { return m.PendingWrites() == 0 })
	if got := count(t, m, searchtest.WS1); got != 2 {
		t.Fatalf("count after the task ran = %d, want 2", got)
	}
}

// TestMeiliRetriesFailedTasks: a failed document task is enqueued again
// and the document ends up searchable.
func TestMeiliRetriesFailedTasks(t *testing.T) {
	ctx := context.Background()
	m, stub := openStub(t, meili.Config{})
	stub.FailNextTasks(2)
	if err := m.Upsert(ctx, []search.Doc{msg(1, "resilient message")}); err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(t, m, "resilient "); !slices.Equal(got, []int64{1}) {
		t.Fatalf("hits = %v, want [1]", got)
	}
	if n := stub.TaskStatuses()["failed"]; n != 2 {
		t.Fatalf("failed tasks = %d, want 2", n)
	}
	if m.FailedWrites() != 0 {
		t.Fatalf("given up = %d, want 0", m.FailedWrites())
	}
}

// TestMeiliGivesUpAfterRetries: a write failing every time is given up
// after MaxRetries, reported to a SyncWrites caller and counted.
func TestMeiliGivesUpAfterRetries(t *testing.T) {
	ctx := context.Background()
	m, stub := openStub(t, meili.Config{MaxRetries: 2, SyncWrites: true})
	stub.FailNextTasks(100)
	err := m.Upsert(ctx, []search.Doc{msg(1, "doomed message")})
	if err == nil || !strings.Contains(err.Error(), "internal") {
		t.Fatalf("err = %v, want the task's internal error", err)
	}
	if n := stub.TaskStatuses()["failed"]; n != 3 {
		t.Fatalf("failed tasks = %d, want 3 (one try and two retries)", n)
	}
	if m.FailedWrites() != 1 || m.PendingWrites() != 0 {
		t.Fatalf("given up = %d, pending = %d", m.FailedWrites(), m.PendingWrites())
	}
}

// TestMeiliRetryKeepsNewerWrites: when an old upsert fails and a newer
// edit of the same message succeeds, the retry does not bring the old
// text back.
func TestMeiliRetryKeepsNewerWrites(t *testing.T) {
	ctx := context.Background()
	m, stub := openStub(t, meili.Config{})
	if err := m.Upsert(ctx, []search.Doc{msg(3, "creates the index")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return m.PendingWrites() == 0 })
	stub.Pause()
	stub.FailNextTasks(1)
	if err := m.Upsert(ctx, []search.Doc{msg(1, "original text"), msg(2, "untouched text")}); err != nil {
		t.Fatal(err)
	}
	if err := m.Upsert(ctx, []search.Doc{msg(1, "edited text")}); err != nil {
		t.Fatal(err)
	}
	stub.Resume()
	waitFor(t, func() bool { return m.PendingWrites() == 0 })
	if got := hitIDs(t, m, "original "); len(got) != 0 {
		t.Fatalf("old text came back: hits %v", got)
	}
	if got := hitIDs(t, m, "edited "); !slices.Equal(got, []int64{1}) {
		t.Fatalf("edited hits = %v", got)
	}
	if got := hitIDs(t, m, "untouched "); !slices.Equal(got, []int64{2}) {
		t.Fatalf("retried document missing: hits %v", got)
	}
}

// TestMeiliBoostsUseFederation: relevance with a boost goes through a
// federated multi-search; newest does not.
func TestMeiliBoostsUseFederation(t *testing.T) {
	ctx := context.Background()
	m, stub := openStub(t, meili.Config{})
	if err := m.Upsert(ctx, searchtest.Docs()); err != nil {
		t.Fatal(err)
	}
	q := search.Query{WorkspaceID: searchtest.WS1, AllowedChatIDs: searchtest.WS1Chats, Text: "the", Now: searchtest.Now}
	for _, tc := range []struct {
		sort search.Sort
		want int
	}{{search.SortRelevance, 2}, {search.SortNewest, 1}} {
		q.Sort = tc.sort
		before := stub.Requests("POST /multi-search")
		if _, err := m.Search(ctx, q); err != nil {
			t.Fatal(err)
		}
		if n := stub.Requests("POST /multi-search") - before; n != tc.want {
			t.Fatalf("%s search made %d multi-search requests, want %d", tc.sort, n, tc.want)
		}
	}
}

func TestMeiliRefusesBadConfig(t *testing.T) {
	stub := meilistub.New(meilistub.Options{})
	t.Cleanup(stub.Close)
	_, err := meili.New(context.Background(), meili.Config{URL: stub.URL, APIKey: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "invalid_api_key") {
		t.Fatalf("err = %v, want invalid_api_key", err)
	}
	for _, bad := range []meili.Config{{URL: "ftp://x"}, {URL: stub.URL, IndexUID: "no spaces"}} {
		if _, err := meili.New(context.Background(), bad); err == nil {
			t.Fatalf("config %+v accepted", bad)
		}
	}
}

// TestMeiliEmptyIndexAndClose: a workspace never written answers empty;
// after Close every call is ErrClosed.
func TestMeiliEmptyIndexAndClose(t *testing.T) {
	ctx := context.Background()
	m, _ := openStub(t, meili.Config{})
	if got := hitIDs(t, m, ""); len(got) != 0 {
		t.Fatalf("hits on an empty workspace = %v", got)
	}
	if err := m.Delete(ctx, searchtest.WS1, []int64{1}); err != nil {
		t.Fatalf("delete without index: %v", err)
	}
	_ = m.Close()
	if err := m.Upsert(ctx, []search.Doc{msg(1, "x")}); !errors.Is(err, search.ErrClosed) {
		t.Fatalf("upsert after close: %v", err)
	}
	if _, err := m.Search(ctx, search.Query{WorkspaceID: 1}); !errors.Is(err, search.ErrClosed) {
		t.Fatalf("search after close: %v", err)
	}
}

// TestMeiliConformanceSyncWrites runs the suite with writes that wait for
// their tasks, the mode tools may choose.
func TestMeiliConformanceSyncWrites(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index {
		m, _ := openStub(t, meili.Config{SyncWrites: true})
		return m
	})
}

package bot

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
)

// TestKBIndexSync: the keyword index follows the database's documents,
// keeps workspaces apart, and is rebuilt when its directory is gone.
func TestKBIndexSync(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "knowledge")
	chunks := map[int64][]model.KnowledgeChunk{
		1: {{ID: 11, DocumentID: 1, WorkspaceID: 1, Text: "the release train leaves on fridays"}},
		2: {{ID: 21, DocumentID: 2, WorkspaceID: 2, Text: "the release codename is blueheron"}},
		3: {{ID: 31, DocumentID: 3, WorkspaceID: 1, Text: "laptops are handed out on day one"}, {ID: 32, DocumentID: 3, WorkspaceID: 1, Text: "the release checklist lives in the wiki"}},
	}
	load := func(docID int64) ([]model.KnowledgeChunk, error) { return chunks[docID], nil }
	docs := func(ids ...int64) []model.KnowledgeDocument {
		var out []model.KnowledgeDocument
		for _, id := range ids {
			out = append(out, model.KnowledgeDocument{ID: id, Chunks: len(chunks[id])})
		}
		return out
	}
	search := func(k *kbIndex, ws int64, q string) []int64 {
		t.Helper()
		ids, err := k.search(ctx, ws, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	k, err := openKBIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	for ws, ids := range map[int64][]int64{1: {1, 3}, 2: {2}} {
		if err := k.sync(ctx, ws, docs(ids...), load); err != nil {
			t.Fatal(err)
		}
	}
	if got := search(k, 1, "release"); !slices.Equal(got, []int64{11, 32}) {
		t.Fatalf("workspace 1 release = %v", got)
	}
	if got := search(k, 2, "release"); !slices.Equal(got, []int64{21}) {
		t.Fatalf("workspace 2 release = %v", got)
	}
	// Document 3 removed from the database: sync drops its chunks.
	if err := k.sync(ctx, 1, docs(1), load); err != nil {
		t.Fatal(err)
	}
	if got := search(k, 1, "release laptops"); !slices.Equal(got, []int64{11}) {
		t.Fatalf("after removing document 3 = %v", got)
	}
	// Reopened as it is, the index knows what it holds.
	must(t, k.close())
	if k, err = openKBIndex(dir); err != nil {
		t.Fatal(err)
	}
	if got, err := k.read(ctx, 1); err != nil || len(got) != 1 || got[1] != 1 {
		t.Fatalf("read after reopen = %v, %v", got, err)
	}
	// Deleted: a new index is filled from the documents on first use.
	must(t, k.close())
	must(t, os.RemoveAll(dir))
	if k, err = openKBIndex(dir); err != nil {
		t.Fatal(err)
	}
	defer k.close()
	if got := search(k, 1, "release"); len(got) != 0 {
		t.Fatalf("a new index found %v", got)
	}
	if err := k.sync(ctx, 1, docs(1, 3), load); err != nil {
		t.Fatal(err)
	}
	if got := search(k, 1, "release"); !slices.Equal(got, []int64{11, 32}) {
		t.Fatalf("rebuilt = %v", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

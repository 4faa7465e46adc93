package bleve_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/bleve"
	"github.com/fechatter/fechatter/internal/search/searchtest"
)

func openEmbedded(t *testing.T) search.Index {
	t.Helper()
	idx, err := bleve.Open(filepath.Join(t.TempDir(), "search"), bleve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestEmbeddedConformance(t *testing.T) { searchtest.Run(t, openEmbedded) }

// TestEmbeddedReopen: documents, chat labels, the workspace chat set (which
// the permission filter relies on) and settings survive a restart.
func TestEmbeddedReopen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	idx, err := bleve.Open(dir, bleve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(ctx, searchtest.Docs()); err != nil {
		t.Fatal(err)
	}
	set := search.DefaultSettings()
	set.StopWords = []string{"the"}
	if err := idx.SetSettings(ctx, searchtest.WS1, set); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	idx, err = bleve.Open(dir, bleve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	for _, tc := range []struct {
		name    string
		allowed []int64
		want    int
	}{
		{"all chats (exclusion form)", searchtest.WS1Chats, 3},
		{"most chats (exclusion form)", []int64{searchtest.Finance, searchtest.DM, searchtest.Trip}, 1},
		{"one chat (list form)", []int64{searchtest.Finance}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := idx.Search(ctx, search.Query{WorkspaceID: searchtest.WS1, AllowedChatIDs: tc.allowed, Text: "the budget ", Now: searchtest.Now})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != tc.want {
				t.Fatalf("total = %d, want %d", res.Total, tc.want)
			}
			for _, h := range res.Hits {
				if h.Doc.ChatID == searchtest.General && h.Doc.ChatName != "general" {
					t.Fatalf("chat name lost: %+v", h.Doc)
				}
			}
		})
	}
	if got, _ := idx.Settings(ctx, searchtest.WS1); len(got.StopWords) != 1 {
		t.Fatalf("settings lost: %+v", got)
	}
}

// TestEmbeddedOpenLocked: a second opener of an index in use (a reindex
// beside a running server) fails with ErrLocked instead of waiting on the
// file lock forever.
func TestEmbeddedOpenLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	idx, err := bleve.Open(dir, bleve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	second, err := bleve.Open(dir, bleve.Options{})
	if !errors.Is(err, bleve.ErrLocked) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
}

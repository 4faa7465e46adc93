package search_test

import (
	"path/filepath"
	"testing"

	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/searchtest"
)

func openEmbedded(t *testing.T) search.Index {
	t.Helper()
	idx, err := search.OpenEmbedded(filepath.Join(t.TempDir(), "search"), search.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestEmbeddedConformance(t *testing.T) { searchtest.Run(t, openEmbedded) }

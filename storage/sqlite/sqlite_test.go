package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/storagetest"
)

// openTest opens a migrated store on a fresh file in t's temp dir.
func openTest(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "fechatter.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return openTest(t) })
}

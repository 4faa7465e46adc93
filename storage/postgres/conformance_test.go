package postgres_test

import (
	"testing"

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/storagetest"
)

// TestConformance runs the shared storage suite, each subtest on its own
// freshly migrated database.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return openFresh(t) })
}

package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFilesPrivate: a new database, its WAL and its shared-memory file are
// readable by the owner only (0600), and a directory Open creates for it
// is 0700, whatever the process umask lets through.
func TestFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o002) // a permissive umask must not widen them
	t.Cleanup(func() { syscall.Umask(old) })
	path := filepath.Join(t.TempDir(), "new", "fechatter.db")
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(name), st.Mode().Perm())
		}
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("database dir: %v mode %v, want 0700", err, st.Mode().Perm())
	}
}

// TestExistingFileKeepsMode: the owner's chosen mode on an existing
// database is left alone (as for the data dir).
func TestExistingFileKeepsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fechatter.db")
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("existing database: %v mode %v, want 0640 kept", err, st.Mode().Perm())
	}
}

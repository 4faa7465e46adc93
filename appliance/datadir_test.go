package appliance

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDataDirPrivate: on a fresh start every directory the appliance makes
// in the data dir (files/, nats/, search/, ...) is 0700 and every file in
// it, the database with its -wal and -shm first, is owner-only, even
// under a permissive umask.
func TestDataDirPrivate(t *testing.T) {
	old := syscall.Umask(0o002)
	t.Cleanup(func() { syscall.Umask(old) })
	cfg := testConfig(t)
	startAppliance(t, cfg, nil)
	seen := map[string]bool{}
	err := filepath.WalkDir(cfg.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(cfg.DataDir, path)
		seen[rel] = true
		switch perm := info.Mode().Perm(); {
		case d.IsDir() && perm != 0o700:
			t.Errorf("dir %s mode %v, want 0700", rel, perm)
		case !d.IsDir() && perm&0o077 != 0:
			t.Errorf("file %s mode %v, want owner-only", rel, perm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".", "fechatter.db", "fechatter.db-wal", "fechatter.db-shm", "jwt.key", filesDir, searchDir, "nats"} {
		if !seen[want] {
			t.Errorf("data dir has no %s (saw %v)", want, seen)
		}
	}
}

// TestDataDirOpenWarns: an existing data dir keeps its mode, but one open
// to other users is named in a warning.
func TestDataDirOpenWarns(t *testing.T) {
	cfg := testConfig(t)
	if err := os.Mkdir(cfg.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	startAppliance(t, cfg, &logs)
	if !strings.Contains(logs.String(), "the data dir is open to other users") {
		t.Fatalf("no warning for a 0755 data dir:\n%s", logs.String())
	}
	if st, err := os.Stat(cfg.DataDir); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("data dir: %v mode %v, want 0755 kept", err, st.Mode().Perm())
	}
}

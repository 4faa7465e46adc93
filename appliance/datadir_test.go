package appliance

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
	l := layoutOf(cfg.DataDir)
	for _, want := range []string{l.Root, l.DB, l.DB + "-wal", l.DB + "-shm", l.JWTKey, l.Files, l.Search, l.SearchEmbedded, l.NATS} {
		rel, _ := filepath.Rel(cfg.DataDir, want)
		if !seen[rel] {
			t.Errorf("data dir has no %s (saw %v)", rel, seen)
		}
	}
}

// TestDataLayoutDocumented: the table of docs/operations.md, "The data
// dir", lists exactly the top-level entries layoutOf names, and the README
// points to that table rather than keeping a list of its own.
func TestDataLayoutDocumented(t *testing.T) {
	root := "/data"
	var code []string
	v := reflect.ValueOf(layoutOf(root))
	for i := range v.NumField() {
		rel, err := filepath.Rel(root, v.Field(i).String())
		if err != nil || rel == "." || strings.Contains(rel, string(filepath.Separator)) || slices.Contains(code, rel) {
			continue
		}
		code = append(code, rel)
	}
	doc := documentedDataDir(t)
	slices.Sort(code)
	slices.Sort(doc)
	if !slices.Equal(code, doc) {
		t.Errorf("docs/operations.md's data dir table lists %v, layoutOf names %v", doc, code)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "(docs/operations.md#the-data-dir)") {
		t.Error("README.md does not point to the data dir table of docs/operations.md")
	}
}

// documentedDataDir returns the first `name` of each row of the table under
// "## The data dir" in docs/operations.md, without a trailing slash.
func documentedDataDir(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## The data dir\n")
	if !ok {
		t.Fatal(`docs/operations.md has no "## The data dir" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var names []string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
		names = append(names, strings.TrimSuffix(name, "/"))
	}
	if len(names) == 0 {
		t.Fatal("docs/operations.md: the data dir section has no table rows")
	}
	return names
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

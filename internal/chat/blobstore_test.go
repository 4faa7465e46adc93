package chat

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBlobStorePrivate: the files dir and its fan-out dirs are 0700 and a
// blob is 0600, even under a permissive umask.
func TestBlobStorePrivate(t *testing.T) {
	old := syscall.Umask(0o002)
	t.Cleanup(func() { syscall.Umask(old) })
	b := blobStore{dir: filepath.Join(t.TempDir(), "files")}
	if _, err := b.put(bytes.NewReader([]byte("private bytes")), 100); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := filepath.WalkDir(b.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", path, info.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("walk: %v, %d entries, want files/, its fan-out dir and the blob", err, n)
	}
}

package blobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestStore(t *testing.T) {
	b := New(filepath.Join(t.TempDir(), "files"))
	data := []byte("hello blob")
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	for range 2 { // the second put dedupes onto the first blob
		info, err := b.Put(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if info.SHA256 != want || info.Size != int64(len(data)) || !strings.HasPrefix(info.ContentType, "text/plain") {
			t.Fatalf("info %+v", info)
		}
	}
	if got := files(t, b.dir); len(got) != 1 || got[0] != filepath.Join(want[:2], want) {
		t.Fatalf("files on disk %v, want one blob at its address", got)
	}
	f, err := b.Open(want)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("read back %q", got)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"over the limit", make([]byte, 11), ErrTooLarge},
		{"empty", nil, ErrEmpty},
	} {
		if _, err := b.Put(bytes.NewReader(tc.in), 10); !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if got := files(t, b.dir); len(got) != 1 {
		t.Fatalf("a refused upload left files: %v", got)
	}
	for _, bad := range []string{"", "../x", strings.Repeat("G", 64), strings.Repeat("a", 63)} {
		if _, err := b.Open(bad); err == nil {
			t.Fatalf("Open(%q) succeeded", bad)
		}
		if err := b.Remove(bad); err == nil {
			t.Fatalf("Remove(%q) succeeded", bad)
		}
	}
	for range 2 { // removing a blob already gone is fine
		if err := b.Remove(want); err != nil {
			t.Fatal(err)
		}
	}
	if got := files(t, b.dir); len(got) != 0 {
		t.Fatalf("after Remove: %v", got)
	}
}

// TestStorePrivate: the files dir and its fan-out dirs are 0700 and a
// blob is 0600, even under a permissive umask.
func TestStorePrivate(t *testing.T) {
	old := syscall.Umask(0o002)
	t.Cleanup(func() { syscall.Umask(old) })
	b := New(filepath.Join(t.TempDir(), "files"))
	if _, err := b.Put(bytes.NewReader([]byte("private bytes")), 100); err != nil {
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

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return out
}

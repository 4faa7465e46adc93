// Package blobs keeps uploaded bytes on disk, content-addressed: a blob
// lives at <dir>/<first two hex digits>/<sha256 hex>, so identical uploads
// share one file and a path never comes from user input. The file rows
// that name blobs are storage.Files; the use cases tie the two together.
package blobs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// sniffLen is how many leading bytes net/http.DetectContentType looks at.
const sniffLen = 512

// Upload outcomes that are the client's fault.
var (
	// ErrTooLarge means the bytes passed the limit given to Stage.
	ErrTooLarge = errors.New("blob too large")
	// ErrEmpty means there were no bytes at all.
	ErrEmpty = errors.New("blob empty")
)

// Store keeps blobs under one directory. Its methods are safe for
// concurrent use; ordering a removal against an upload of the same
// content is the caller's business.
type Store struct {
	dir string
}

// New returns the store under dir (created on the first upload, 0700).
func New(dir string) *Store { return &Store{dir: dir} }

// Info describes a stored blob.
type Info struct {
	SHA256      string
	Size        int64
	ContentType string
}

// Staged is an upload written to a temporary file in the store, hashed and
// counted, not yet at its address. Commit or Discard it.
type Staged struct {
	store *Store
	tmp   string
	info  Info
}

// Put copies at most max bytes of r into the store: stage, then commit.
// More than max bytes is ErrTooLarge, nothing ErrEmpty; either leaves
// nothing behind.
func (b *Store) Put(r io.Reader, max int64) (Info, error) {
	st, err := b.Stage(r, max)
	if err != nil {
		return Info{}, err
	}
	defer st.Discard()
	if err := st.Commit(); err != nil {
		return Info{}, err
	}
	return st.info, nil
}

// Stage writes a temporary file in the store while hashing and counting,
// and fsyncs it. More than max bytes is ErrTooLarge, nothing ErrEmpty; on
// any error nothing is left behind.
func (b *Store) Stage(r io.Reader, max int64) (*Staged, error) {
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create files dir: %w", err)
	}
	tmp, err := os.CreateTemp(b.dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("create temp file: %w", err)
	}
	info, err := copyBlob(tmp, r, max)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close temp file: %w", cerr)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return nil, err
	}
	return &Staged{store: b, tmp: tmp.Name(), info: info}, nil
}

// Info is what staging learnt of the bytes.
func (st *Staged) Info() Info { return st.info }

// Commit moves the staged upload to its address (the rename is atomic, so
// a reader never sees a partial blob).
func (st *Staged) Commit() error { return st.store.place(st.tmp, st.info.SHA256) }

// Discard removes the temporary file; a no-op after a successful Commit.
func (st *Staged) Discard() { _ = os.Remove(st.tmp) }

// Remove deletes the blob with this SHA-256; one already gone is fine.
func (b *Store) Remove(sum string) error {
	if !isHexSHA256(sum) {
		return fmt.Errorf("remove blob: bad address %q", sum)
	}
	if err := os.Remove(b.path(sum)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove blob: %w", err)
	}
	return nil
}

// copyBlob streams r into f, hashing, counting and keeping the first bytes
// for content sniffing, then fsyncs f.
func copyBlob(f *os.File, r io.Reader, max int64) (Info, error) {
	h := sha256.New()
	head := &headBuffer{limit: sniffLen}
	n, err := io.Copy(io.MultiWriter(f, h, head), io.LimitReader(r, max+1))
	if err != nil {
		return Info{}, fmt.Errorf("write upload: %w", err)
	}
	switch {
	case n > max:
		return Info{}, ErrTooLarge
	case n == 0:
		return Info{}, ErrEmpty
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("sync upload: %w", err)
	}
	return Info{
		SHA256:      hex.EncodeToString(h.Sum(nil)),
		Size:        n,
		ContentType: http.DetectContentType(head.buf),
	}, nil
}

// place moves the temporary file tmp to the blob's address. When the blob
// is already there (same content uploaded before) the existing copy is kept.
func (b *Store) place(tmp, sum string) error {
	final := b.path(sum)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create blob dir: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("store blob: %w", err)
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory so that a rename into it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open blob dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync blob dir: %w", err)
	}
	return nil
}

// Open returns the blob with this SHA-256 for reading.
func (b *Store) Open(sum string) (*os.File, error) {
	if !isHexSHA256(sum) {
		return nil, fmt.Errorf("open blob: bad address %q", sum)
	}
	f, err := os.Open(b.path(sum))
	if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return f, nil
}

// path is where the blob with this SHA-256 lives.
func (b *Store) path(sum string) string {
	return filepath.Join(b.dir, sum[:2], sum)
}

// isHexSHA256 reports whether s is 64 lower-case hex digits, so that a
// stored value can never become a path outside the store.
func isHexSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// headBuffer keeps the first limit bytes written to it.
type headBuffer struct {
	buf   []byte
	limit int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.limit - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

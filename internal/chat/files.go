package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/blobs"
)

// File limits.
const (
	// defaultMaxFileSize applies when Config.MaxFileSize is not set: 25 MiB.
	defaultMaxFileSize = 25 << 20
	maxFileNameBytes   = 255
	defaultFileName    = "file"
)

// UploadFile stores an upload in a workspace userID belongs to (404
// otherwise) and returns its metadata. Over the size limit, or over the
// uploader's or the workspace's storage quota, it answers 413 and keeps
// nothing. The content type is sniffed from the bytes; the client's file
// name is kept only as a sanitized display name.
func (s *Service) UploadFile(ctx context.Context, userID, wsID int64, name string, r io.Reader) (model.File, error) {
	if _, err := s.store.WorkspaceForMember(ctx, wsID, userID); err != nil {
		return model.File{}, chatStoreErr(err, "load workspace", "workspace", "")
	}
	if r == nil {
		return model.File{}, apperr.Field("file", "is required")
	}
	st, err := s.stageUpload(ctx, wsID, userID, r)
	if err != nil {
		return model.File{}, err
	}
	defer st.Discard()
	info := st.Info()
	f := model.File{
		WorkspaceID: wsID,
		UploaderID:  userID,
		Name:        sanitizeFileName(name),
		Size:        info.Size,
		ContentType: info.ContentType,
		SHA256:      info.SHA256,
		CreatedAt:   s.now(),
	}
	if err := s.storeUpload(ctx, &f, st); err != nil {
		return model.File{}, err
	}
	return f, nil
}

// stageUpload writes the upload to a temporary file, refusing it (413) as
// soon as it passes the size limit or the room left in the quotas.
func (s *Service) stageUpload(ctx context.Context, wsID, userID int64, r io.Reader) (*blobs.Staged, error) {
	q, err := s.quotaRoom(ctx, s.store, wsID, userID)
	if err != nil {
		return nil, err
	}
	if q.room == 0 {
		return nil, q.exceeded()
	}
	max := s.maxFileSize()
	limit := max
	if q.room > 0 && q.room < limit {
		limit = q.room
	}
	st, err := s.blobs.Stage(r, limit)
	switch {
	case errors.Is(err, blobs.ErrTooLarge) && limit < max:
		return nil, q.exceeded()
	case errors.Is(err, blobs.ErrTooLarge):
		return nil, apperr.New(apperr.KindTooLarge, "the file is larger than %d bytes", max)
	case errors.Is(err, blobs.ErrEmpty):
		return nil, apperr.Field("file", "must not be empty")
	case err != nil:
		return nil, fmt.Errorf("store upload: %w", err)
	}
	return st, nil
}

// storeUpload checks the quotas again and inserts f in one transaction
// (concurrent uploads are serialised there), then puts the blob at its
// address. blobMu is held shared throughout, so the orphan sweeper cannot
// remove a blob that this new row will use.
func (s *Service) storeUpload(ctx context.Context, f *model.File, st *blobs.Staged) error {
	s.blobMu.RLock()
	defer s.blobMu.RUnlock()
	err := s.inTx(ctx, func(tx storage.Tx) error {
		q, err := s.quotaRoom(ctx, tx, f.WorkspaceID, f.UploaderID)
		if err != nil {
			return err
		}
		if q.room >= 0 && f.Size > q.room {
			return q.exceeded()
		}
		return tx.CreateFile(ctx, f)
	})
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	if err := st.Commit(); err != nil {
		_, derr := s.store.DeleteUnattachedFile(ctx, f.ID, time.Now().Add(time.Hour))
		return errors.Join(fmt.Errorf("store upload: %w", err), derr)
	}
	return nil
}

// OpenFile returns a file and its open bytes when userID uploaded it or is
// a member of a chat where a live message has it attached; 404 otherwise.
// The caller closes the *os.File.
func (s *Service) OpenFile(ctx context.Context, userID, fileID int64) (model.File, *os.File, error) {
	if fileID <= 0 {
		return model.File{}, nil, apperr.NotFound("file")
	}
	f, err := s.store.FileForUser(ctx, fileID, userID)
	if err != nil {
		return model.File{}, nil, chatStoreErr(err, "load file", "file", "")
	}
	blob, err := s.blobs.Open(f.SHA256)
	if err != nil {
		return model.File{}, nil, fmt.Errorf("open file %d: %w", fileID, err)
	}
	return f, blob, nil
}

// blobStore is what the use cases need of the bytes of uploads: a
// content-addressed store (storage/blobs) under Config.FilesDir.
type blobStore interface {
	// Stage writes at most max bytes of r aside (blobs.ErrTooLarge past
	// them, blobs.ErrEmpty for none), to be committed or discarded.
	Stage(r io.Reader, max int64) (*blobs.Staged, error)
	// Open returns the blob with this SHA-256 for reading.
	Open(sum string) (*os.File, error)
	// Remove deletes the blob with this SHA-256; one already gone is fine.
	Remove(sum string) error
}

// maxFileSize is the configured upload limit, or 25 MiB when unset.
func (s *Service) maxFileSize() int64 {
	if s.cfg.MaxFileSize > 0 {
		return s.cfg.MaxFileSize
	}
	return defaultMaxFileSize
}

// sanitizeFileName turns a client-supplied name into a display name: the
// last path element (either separator), without control or bidi-override
// characters, trimmed, at most 255 bytes (cut on a rune boundary), and
// "file" when nothing is left.
func sanitizeFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxFileNameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return defaultFileName
	}
	return name
}

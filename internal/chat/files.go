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
	defer st.discard()
	f := model.File{
		WorkspaceID: wsID,
		UploaderID:  userID,
		Name:        sanitizeFileName(name),
		Size:        st.info.Size,
		ContentType: st.info.ContentType,
		SHA256:      st.info.SHA256,
		CreatedAt:   s.now(),
	}
	if err := s.storeUpload(ctx, &f, st); err != nil {
		return model.File{}, err
	}
	return f, nil
}

// stageUpload writes the upload to a temporary file, refusing it (413) as
// soon as it passes the size limit or the room left in the quotas.
func (s *Service) stageUpload(ctx context.Context, wsID, userID int64, r io.Reader) (stagedBlob, error) {
	q, err := s.quotaRoom(ctx, s.store, wsID, userID)
	if err != nil {
		return stagedBlob{}, err
	}
	if q.room == 0 {
		return stagedBlob{}, q.exceeded()
	}
	max := s.maxFileSize()
	limit := max
	if q.room > 0 && q.room < limit {
		limit = q.room
	}
	st, err := s.blobs().stage(r, limit)
	switch {
	case errors.Is(err, errBlobTooLarge) && limit < max:
		return stagedBlob{}, q.exceeded()
	case errors.Is(err, errBlobTooLarge):
		return stagedBlob{}, apperr.New(apperr.KindTooLarge, "the file is larger than %d bytes", max)
	case errors.Is(err, errBlobEmpty):
		return stagedBlob{}, apperr.Field("file", "must not be empty")
	case err != nil:
		return stagedBlob{}, fmt.Errorf("store upload: %w", err)
	}
	return st, nil
}

// storeUpload checks the quotas again and inserts f in one transaction
// (concurrent uploads are serialised there), then puts the blob at its
// address. blobMu is held shared throughout, so the orphan sweeper cannot
// remove a blob that this new row will use.
func (s *Service) storeUpload(ctx context.Context, f *model.File, st stagedBlob) error {
	s.blobMu.RLock()
	defer s.blobMu.RUnlock()
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
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
	if err := s.blobs().commit(st); err != nil {
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
	blob, err := s.blobs().open(f.SHA256)
	if err != nil {
		return model.File{}, nil, fmt.Errorf("open file %d: %w", fileID, err)
	}
	return f, blob, nil
}

// blobs is the content-addressed store under Config.FilesDir.
func (s *Service) blobs() blobStore { return blobStore{dir: s.cfg.FilesDir} }

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

package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
)

// File limits.
const (
	// defaultMaxFileSize applies when Config.MaxFileSize is not set: 25 MiB.
	defaultMaxFileSize = 25 << 20
	maxFileNameBytes   = 255
	defaultFileName    = "file"
)

// UploadFile stores an upload in a workspace userID belongs to (404
// otherwise) and returns its metadata. Over the size limit it answers 413.
// The content type is sniffed from the bytes; the client's file name is kept
// only as a sanitized display name.
func (s *Service) UploadFile(ctx context.Context, userID, wsID int64, name string, r io.Reader) (model.File, error) {
	if _, err := s.store.WorkspaceForMember(ctx, wsID, userID); err != nil {
		return model.File{}, chatStoreErr(err, "load workspace", "workspace", "")
	}
	if r == nil {
		return model.File{}, apperr.Field("file", "is required")
	}
	max := s.maxFileSize()
	info, err := s.blobs().put(r, max)
	switch {
	case errors.Is(err, errBlobTooLarge):
		return model.File{}, apperr.New(apperr.KindTooLarge, "the file is larger than %d bytes", max)
	case errors.Is(err, errBlobEmpty):
		return model.File{}, apperr.Field("file", "must not be empty")
	case err != nil:
		return model.File{}, fmt.Errorf("store upload: %w", err)
	}
	f := model.File{
		WorkspaceID: wsID,
		UploaderID:  userID,
		Name:        sanitizeFileName(name),
		Size:        info.Size,
		ContentType: info.ContentType,
		SHA256:      info.SHA256,
	}
	if err := s.store.CreateFile(ctx, &f); err != nil {
		return model.File{}, fmt.Errorf("create file: %w", err)
	}
	return f, nil
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

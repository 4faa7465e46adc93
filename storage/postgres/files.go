package postgres

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
)

const fileCols = `f.id, f.workspace_id, f.uploader_id, f.name, f.size, f.content_type, f.sha256, f.created_at`

func fileDest(f *model.File) []any {
	return []any{&f.ID, &f.WorkspaceID, &f.UploaderID, &f.Name, &f.Size, &f.ContentType, &f.SHA256, &f.CreatedAt}
}

// CreateFile inserts f and sets f.ID and f.CreatedAt.
func (q *queries) CreateFile(ctx context.Context, f *model.File) error {
	created := now()
	err := q.db.QueryRow(ctx, `INSERT INTO files (workspace_id, uploader_id, name, size,
			content_type, sha256, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		f.WorkspaceID, f.UploaderID, f.Name, f.Size, f.ContentType, f.SHA256, created).Scan(&f.ID)
	if err != nil {
		return wrap("create file", err)
	}
	f.CreatedAt = created
	return nil
}

// FileForUser returns the file when userID uploaded it or is a member of a
// chat where a live message has it attached; ErrNotFound otherwise.
func (q *queries) FileForUser(ctx context.Context, fileID, userID int64) (model.File, error) {
	var f model.File
	err := q.db.QueryRow(ctx, `SELECT `+fileCols+` FROM files f
		WHERE f.id = $1 AND (f.uploader_id = $2 OR EXISTS (
			SELECT 1 FROM message_files mf
			JOIN messages m ON m.id = mf.message_id AND m.deleted_at IS NULL
			JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = $2
			WHERE mf.file_id = f.id))`, fileID, userID).Scan(fileDest(&f)...)
	if err != nil {
		return model.File{}, wrap("file for user", err)
	}
	return f, nil
}

// FileByID returns a file without any access check, for attaching.
func (q *queries) FileByID(ctx context.Context, fileID int64) (model.File, error) {
	var f model.File
	err := q.db.QueryRow(ctx, `SELECT `+fileCols+` FROM files f WHERE f.id = $1`, fileID).Scan(fileDest(&f)...)
	if err != nil {
		return model.File{}, wrap("file by id", err)
	}
	return f, nil
}

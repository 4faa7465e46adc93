package sqlite

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
)

// fileCols are the files columns fileDest reads, for a table aliased f.
const fileCols = `f.id, f.workspace_id, f.uploader_id, f.name, f.size, f.content_type, f.sha256, f.created_at`

func fileDest(f *model.File) ([]any, func()) {
	var created int64
	return []any{&f.ID, &f.WorkspaceID, &f.UploaderID, &f.Name, &f.Size, &f.ContentType, &f.SHA256, &created},
		func() { f.CreatedAt = fromMicros(created) }
}

// CreateFile inserts f and sets f.ID and f.CreatedAt.
func (q *queries) CreateFile(ctx context.Context, f *model.File) error {
	created := orNow(f.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO files (workspace_id, uploader_id, name, size, content_type,
			sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			f.WorkspaceID, f.UploaderID, f.Name, f.Size, f.ContentType, f.SHA256, micros(created)).Scan(&f.ID)
		if err != nil {
			return wrap("create file", err)
		}
		f.CreatedAt = created
		return nil
	})
}

func (q *queries) fileWhere(ctx context.Context, op, where string, args ...any) (model.File, error) {
	var f model.File
	dest, finish := fileDest(&f)
	if err := q.r.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files f WHERE `+where, args...).Scan(dest...); err != nil {
		return model.File{}, wrap(op, err)
	}
	finish()
	return f, nil
}

// FileForUser returns the file if userID uploaded it or is a member of a
// chat where a live message has it attached.
func (q *queries) FileForUser(ctx context.Context, fileID, userID int64) (model.File, error) {
	return q.fileWhere(ctx, "file for user", `f.id = ? AND (f.uploader_id = ? OR EXISTS (
		SELECT 1 FROM message_files mf
		JOIN messages m ON m.id = mf.message_id AND m.deleted_at IS NULL
		JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = ?
		WHERE mf.file_id = f.id))`, fileID, userID, userID)
}

// FileByID returns a file without any access check.
func (q *queries) FileByID(ctx context.Context, fileID int64) (model.File, error) {
	return q.fileWhere(ctx, "file by id", `f.id = ?`, fileID)
}

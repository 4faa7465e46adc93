package sqlite

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// fileCols are the files columns fileDest reads, for a table aliased f.
const fileCols = `f.id, f.workspace_id, f.uploader_id, f.name, f.size, f.content_type, f.sha256, f.created_at`

func fileDest(f *model.File) ([]any, func()) {
	var created int64
	return []any{&f.ID, &f.WorkspaceID, &f.UploaderID, &f.Name, &f.Size, &f.ContentType, &f.SHA256, &created},
		func() { f.CreatedAt = fromMicros(created) }
}

// CreateFile inserts f and sets f.ID and f.CreatedAt (now when zero).
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

// FileUsage returns the bytes in workspaceID and the bytes userID uploaded
// anywhere. In a transaction (BEGIN IMMEDIATE, one writer) it is already
// serialised with every other write.
func (q *queries) FileUsage(ctx context.Context, workspaceID, userID int64) (int64, int64, error) {
	var ws, user int64
	err := q.r.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(SUM(size), 0) FROM files WHERE workspace_id = ?),
		(SELECT COALESCE(SUM(size), 0) FROM files WHERE uploader_id = ?)`, workspaceID, userID).Scan(&ws, &user)
	if err != nil {
		return 0, 0, wrap("file usage", err)
	}
	return ws, user, nil
}

// WorkspaceUsage returns a workspace's file count and bytes and its top
// limit uploaders.
func (q *queries) WorkspaceUsage(ctx context.Context, workspaceID int64, limit int) (model.StorageUsage, error) {
	var u model.StorageUsage
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(size), 0) FROM files WHERE workspace_id = ?`,
		workspaceID).Scan(&u.Files, &u.Bytes)
	if err != nil {
		return model.StorageUsage{}, wrap("workspace usage", err)
	}
	rows, err := q.r.QueryContext(ctx, `SELECT uploader_id, COUNT(*), SUM(size) FROM files
		WHERE workspace_id = ? GROUP BY uploader_id ORDER BY SUM(size) DESC, uploader_id LIMIT ?`, workspaceID, limit)
	if err != nil {
		return model.StorageUsage{}, wrap("workspace usage", err)
	}
	defer rows.Close()
	u.TopUploaders = []model.UploaderUsage{}
	for rows.Next() {
		var up model.UploaderUsage
		if err := rows.Scan(&up.UserID, &up.Files, &up.Bytes); err != nil {
			return model.StorageUsage{}, wrap("workspace usage", err)
		}
		u.TopUploaders = append(u.TopUploaders, up)
	}
	return u, wrap("workspace usage", rows.Err())
}

// unattached is the condition of a file no message has attached.
const unattached = `NOT EXISTS (SELECT 1 FROM message_files mf WHERE mf.file_id = f.id)`

// UnattachedFiles returns unattached files created before before, by ID.
func (q *queries) UnattachedFiles(ctx context.Context, before time.Time, afterID int64, limit int) ([]model.File, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+fileCols+` FROM files f
		WHERE f.id > ? AND f.created_at < ? AND `+unattached+` ORDER BY f.id LIMIT ?`,
		afterID, micros(before), limit)
	if err != nil {
		return nil, wrap("unattached files", err)
	}
	defer rows.Close()
	out := []model.File{}
	for rows.Next() {
		var f model.File
		dest, finish := fileDest(&f)
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap("unattached files", err)
		}
		finish()
		out = append(out, f)
	}
	return out, wrap("unattached files", rows.Err())
}

// DeleteUnattachedFile deletes the file if it is still unattached and older
// than before.
func (q *queries) DeleteUnattachedFile(ctx context.Context, fileID int64, before time.Time) (bool, error) {
	var n int64
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM files AS f WHERE f.id = ? AND f.created_at < ? AND `+unattached,
			fileID, micros(before))
		if err != nil {
			return wrap("delete unattached file", err)
		}
		n, err = res.RowsAffected()
		return wrap("delete unattached file", err)
	})
	return n == 1, err
}

// BlobReferenced reports whether any file, or any user's avatar, has this
// SHA-256 (avatars live in the same blob store).
func (q *queries) BlobReferenced(ctx context.Context, sha256 string) (bool, error) {
	var found bool
	err := q.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)
		OR EXISTS (SELECT 1 FROM users WHERE avatar_sha256 = ?)`, sha256, sha256).Scan(&found)
	return found, wrap("blob referenced", err)
}

package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
)

const fileCols = `f.id, f.workspace_id, f.uploader_id, f.name, f.size, f.content_type, f.sha256, f.created_at`

func fileDest(f *model.File) []any {
	return []any{&f.ID, &f.WorkspaceID, &f.UploaderID, &f.Name, &f.Size, &f.ContentType, &f.SHA256, &f.CreatedAt}
}

// CreateFile inserts f and sets f.ID and f.CreatedAt (now when zero).
func (q *queries) CreateFile(ctx context.Context, f *model.File) error {
	created := now()
	if !f.CreatedAt.IsZero() {
		created = stored(f.CreatedAt)
	}
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

// fileQuotaLock is the key of the advisory lock FileUsage takes in a
// transaction; any constant works as long as nothing else uses it.
const fileQuotaLock = 0x66632e7175 // "fc.qu"

// FileUsage returns the bytes in workspaceID and the bytes userID uploaded
// anywhere. Inside InTx it first takes a transaction-scoped advisory lock,
// so that check-then-insert transactions run one at a time (READ COMMITTED
// would otherwise let two of them pass the same check).
func (q *queries) FileUsage(ctx context.Context, workspaceID, userID int64) (int64, int64, error) {
	if q.inTx {
		if _, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(fileQuotaLock)); err != nil {
			return 0, 0, wrap("lock file usage", err)
		}
	}
	var ws, user int64
	err := q.db.QueryRow(ctx, `SELECT
		(SELECT COALESCE(SUM(size), 0)::bigint FROM files WHERE workspace_id = $1),
		(SELECT COALESCE(SUM(size), 0)::bigint FROM files WHERE uploader_id = $2)`, workspaceID, userID).Scan(&ws, &user)
	if err != nil {
		return 0, 0, wrap("file usage", err)
	}
	return ws, user, nil
}

// WorkspaceUsage returns a workspace's file count and bytes and its top
// limit uploaders.
func (q *queries) WorkspaceUsage(ctx context.Context, workspaceID int64, limit int) (model.StorageUsage, error) {
	var u model.StorageUsage
	err := q.db.QueryRow(ctx, `SELECT count(*), COALESCE(SUM(size), 0)::bigint FROM files WHERE workspace_id = $1`,
		workspaceID).Scan(&u.Files, &u.Bytes)
	if err != nil {
		return model.StorageUsage{}, wrap("workspace usage", err)
	}
	rows, err := q.db.Query(ctx, `SELECT uploader_id, count(*), SUM(size)::bigint FROM files
		WHERE workspace_id = $1 GROUP BY uploader_id ORDER BY SUM(size) DESC, uploader_id LIMIT $2`, workspaceID, limit)
	if err != nil {
		return model.StorageUsage{}, wrap("workspace usage", err)
	}
	top, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.UploaderUsage, error) {
		var up model.UploaderUsage
		err := r.Scan(&up.UserID, &up.Files, &up.Bytes)
		return up, err
	})
	u.TopUploaders = nonNil(top)
	return u, wrap("workspace usage", err)
}

// unattached is the condition of a file no message has attached.
const unattached = `NOT EXISTS (SELECT 1 FROM message_files mf WHERE mf.file_id = f.id)`

// UnattachedFiles returns unattached files created before before, by ID.
func (q *queries) UnattachedFiles(ctx context.Context, before time.Time, afterID int64, limit int) ([]model.File, error) {
	rows, err := q.db.Query(ctx, `SELECT `+fileCols+` FROM files f
		WHERE f.id > $1 AND f.created_at < $2 AND `+unattached+` ORDER BY f.id LIMIT $3`,
		afterID, stored(before), limit)
	if err != nil {
		return nil, wrap("unattached files", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.File, error) {
		var f model.File
		err := r.Scan(fileDest(&f)...)
		return f, err
	})
	return nonNil(out), wrap("unattached files", err)
}

// DeleteUnattachedFile deletes the file if it is still unattached and older
// than before. It locks the file row first: a message attaching the file
// concurrently (its foreign key check takes a key-share lock on the row)
// either commits before the attachment check, which then sees it, or waits
// and then fails to find the file.
func (q *queries) DeleteUnattachedFile(ctx context.Context, fileID int64, before time.Time) (bool, error) {
	var deleted bool
	err := q.atomic(ctx, func(q *queries) error {
		var one int
		err := q.db.QueryRow(ctx, `SELECT 1 FROM files WHERE id = $1 AND created_at < $2 FOR UPDATE`,
			fileID, stored(before)).Scan(&one)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return wrap("delete unattached file", err)
		}
		tag, err := q.db.Exec(ctx, `DELETE FROM files f WHERE f.id = $1 AND `+unattached, fileID)
		if err != nil {
			return wrap("delete unattached file", err)
		}
		deleted = tag.RowsAffected() == 1
		return nil
	})
	return deleted, err
}

// BlobReferenced reports whether any file, or any user's avatar, has this
// SHA-256 (avatars live in the same blob store).
func (q *queries) BlobReferenced(ctx context.Context, sha256 string) (bool, error) {
	var found bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = $1)
		OR EXISTS (SELECT 1 FROM users WHERE avatar_sha256 = $1)`, sha256).Scan(&found)
	return found, wrap("blob referenced", err)
}

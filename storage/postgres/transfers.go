package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// ImportedID returns the id an import recorded for key (storage.Transfers).
func (q *queries) ImportedID(ctx context.Context, workspaceID int64, source, kind, key string) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `SELECT local_id FROM import_ids
		WHERE workspace_id = $1 AND source = $2 AND kind = $3 AND external_id = $4`,
		workspaceID, source, kind, key).Scan(&id)
	return id, wrap("imported id", err)
}

// RecordImported records that key became id. A key already recorded is
// ErrConflict without a failed statement, which would abort the caller's
// transaction.
func (q *queries) RecordImported(ctx context.Context, workspaceID int64, source, kind, key string, id int64) error {
	tag, err := q.db.Exec(ctx, `INSERT INTO import_ids (workspace_id, source, kind, external_id, local_id)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, workspaceID, source, kind, key, id)
	if err != nil {
		return wrap("record imported", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("record imported %s %s: %w", kind, key, storage.ErrConflict)
	}
	return nil
}

// SetMessageTimes gives an imported message its original times.
func (q *queries) SetMessageTimes(ctx context.Context, messageID int64, created time.Time, edited *time.Time) error {
	var ed *time.Time
	if edited != nil {
		t := stored(*edited)
		ed = &t
	}
	tag, err := q.db.Exec(ctx, `WITH m AS (UPDATE messages SET created_at = $2, edited_at = $3 WHERE id = $1 RETURNING chat_id)
		UPDATE chats SET last_activity_at = $2 FROM m WHERE chats.id = m.chat_id`, messageID, stored(created), ed)
	return mustAffect("set message times", tag, err)
}

// WorkspacesByName returns the workspaces named name, oldest first.
func (q *queries) WorkspacesByName(ctx context.Context, name string) ([]model.Workspace, error) {
	rows, err := q.db.Query(ctx, `SELECT `+workspaceCols+` FROM workspaces w WHERE w.name = $1 ORDER BY w.id`, name)
	if err != nil {
		return nil, wrap("workspaces by name", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.Workspace, error) {
		var w model.Workspace
		return w, row.Scan(workspaceDest(&w)...)
	})
	return orEmpty(out), wrap("workspaces by name", err)
}

// WorkspaceChats returns every chat of a workspace, by ascending id.
func (q *queries) WorkspaceChats(ctx context.Context, workspaceID int64) ([]model.Chat, error) {
	rows, err := q.db.Query(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.workspace_id = $1 ORDER BY c.id`, workspaceID)
	if err != nil {
		return nil, wrap("workspace chats", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.Chat, error) {
		var c model.Chat
		return c, row.Scan(chatDest(&c)...)
	})
	return orEmpty(out), wrap("workspace chats", err)
}

// ReactionsOf returns the reactions to these messages, by message, then time.
func (q *queries) ReactionsOf(ctx context.Context, messageIDs []int64) ([]storage.Reaction, error) {
	rows, err := q.db.Query(ctx, `SELECT message_id, user_id, emoji FROM reactions
		WHERE message_id = ANY($1) ORDER BY message_id, created_at, user_id, emoji`, distinct(messageIDs))
	if err != nil {
		return nil, wrap("reactions of", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (storage.Reaction, error) {
		var r storage.Reaction
		return r, row.Scan(&r.MessageID, &r.UserID, &r.Emoji)
	})
	return orEmpty(out), wrap("reactions of", err)
}

// AttachmentsOf returns the files attached to these messages, in order.
func (q *queries) AttachmentsOf(ctx context.Context, messageIDs []int64) (map[int64][]model.File, error) {
	rows, err := q.db.Query(ctx, `SELECT mf.message_id, `+fileCols+` FROM message_files mf
		JOIN files f ON f.id = mf.file_id
		WHERE mf.message_id = ANY($1) ORDER BY mf.message_id, mf.position`, distinct(messageIDs))
	if err != nil {
		return nil, wrap("attachments of", err)
	}
	defer rows.Close()
	out := map[int64][]model.File{}
	for rows.Next() {
		var id int64
		var f model.File
		if err := rows.Scan(append([]any{&id}, fileDest(&f)...)...); err != nil {
			return nil, wrap("attachments of", err)
		}
		out[id] = append(out[id], f)
	}
	return out, wrap("attachments of", rows.Err())
}

// orEmpty turns a nil slice into an empty one.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

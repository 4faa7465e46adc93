package sqlite

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// ImportedID returns the id an import recorded for key (storage.Transfers).
func (q *queries) ImportedID(ctx context.Context, workspaceID int64, source, kind, key string) (int64, error) {
	var id int64
	err := q.r.QueryRowContext(ctx, `SELECT local_id FROM import_ids
		WHERE workspace_id = ? AND source = ? AND kind = ? AND external_id = ?`,
		workspaceID, source, kind, key).Scan(&id)
	return id, wrap("imported id", err)
}

// RecordImported records that key became id.
func (q *queries) RecordImported(ctx context.Context, workspaceID int64, source, kind, key string, id int64) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO import_ids (workspace_id, source, kind, external_id, local_id)
			VALUES (?, ?, ?, ?, ?)`, workspaceID, source, kind, key, id)
		return wrap("record imported", err)
	})
}

// SetMessageTimes gives an imported message its original times.
func (q *queries) SetMessageTimes(ctx context.Context, messageID int64, created time.Time, edited *time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		var chatID int64
		err := q.w.QueryRowContext(ctx, `UPDATE messages SET created_at = ?, edited_at = ? WHERE id = ? RETURNING chat_id`,
			micros(created), nullMicros(edited), messageID).Scan(&chatID)
		if err != nil {
			return wrap("set message times", err)
		}
		res, err := q.w.ExecContext(ctx, `UPDATE chats SET last_activity_at = ? WHERE id = ?`, micros(created), chatID)
		return mustAffect("set message times: chat", res, err)
	})
}

// WorkspacesByName returns the workspaces named name, oldest first.
func (q *queries) WorkspacesByName(ctx context.Context, name string) ([]model.Workspace, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+workspaceCols+` FROM workspaces w WHERE w.name = ? ORDER BY w.id`, name)
	if err != nil {
		return nil, wrap("workspaces by name", err)
	}
	defer rows.Close()
	out := []model.Workspace{}
	for rows.Next() {
		var w model.Workspace
		dest, finish := workspaceDest(&w)
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap("workspaces by name", err)
		}
		finish()
		out = append(out, w)
	}
	return out, wrap("workspaces by name", rows.Err())
}

// WorkspaceChats returns every chat of a workspace, by ascending id.
func (q *queries) WorkspaceChats(ctx context.Context, workspaceID int64) ([]model.Chat, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.workspace_id = ? ORDER BY c.id`, workspaceID)
	if err != nil {
		return nil, wrap("workspace chats", err)
	}
	defer rows.Close()
	out := []model.Chat{}
	for rows.Next() {
		var c model.Chat
		dest, finish := chatDest(&c)
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap("workspace chats", err)
		}
		finish()
		out = append(out, c)
	}
	return out, wrap("workspace chats", rows.Err())
}

// ReactionsOf returns the reactions to these messages, by message, then time.
func (q *queries) ReactionsOf(ctx context.Context, messageIDs []int64) ([]storage.Reaction, error) {
	out := []storage.Reaction{}
	for _, chunk := range chunks(uniqueIDs(messageIDs)) {
		rows, err := q.r.QueryContext(ctx, `SELECT message_id, user_id, emoji FROM reactions
			WHERE message_id IN (`+placeholders(len(chunk))+`) ORDER BY message_id, created_at, user_id, emoji`,
			int64Args(chunk)...)
		if err != nil {
			return nil, wrap("reactions of", err)
		}
		for rows.Next() {
			var r storage.Reaction
			if err := rows.Scan(&r.MessageID, &r.UserID, &r.Emoji); err != nil {
				rows.Close()
				return nil, wrap("reactions of", err)
			}
			out = append(out, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap("reactions of", err)
		}
	}
	return out, nil
}

// AttachmentsOf returns the files attached to these messages, in order.
func (q *queries) AttachmentsOf(ctx context.Context, messageIDs []int64) (map[int64][]model.File, error) {
	out := map[int64][]model.File{}
	for _, chunk := range chunks(uniqueIDs(messageIDs)) {
		rows, err := q.r.QueryContext(ctx, `SELECT mf.message_id, `+fileCols+` FROM message_files mf
			JOIN files f ON f.id = mf.file_id
			WHERE mf.message_id IN (`+placeholders(len(chunk))+`) ORDER BY mf.message_id, mf.position`,
			int64Args(chunk)...)
		if err != nil {
			return nil, wrap("attachments of", err)
		}
		for rows.Next() {
			var id int64
			var f model.File
			dest, finish := fileDest(&f)
			if err := rows.Scan(append([]any{&id}, dest...)...); err != nil {
				rows.Close()
				return nil, wrap("attachments of", err)
			}
			finish()
			out[id] = append(out[id], f)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap("attachments of", err)
		}
	}
	return out, nil
}

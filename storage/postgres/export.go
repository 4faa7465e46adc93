package postgres

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
)

// maxExportPage bounds one AllMessages page.
const maxExportPage = 5000

// ChatByID returns a chat without any access check (storage.Export).
func (q *queries) ChatByID(ctx context.Context, chatID int64) (model.Chat, error) {
	var c model.Chat
	if err := q.db.QueryRow(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.id = $1`, chatID).Scan(chatDest(&c)...); err != nil {
		return model.Chat{}, wrap("chat by id", err)
	}
	return c, nil
}

// CountMessages counts a workspace's messages, or all with workspaceID 0.
func (q *queries) CountMessages(ctx context.Context, workspaceID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM messages WHERE $1::bigint = 0 OR workspace_id = $1::bigint`, workspaceID).Scan(&n)
	return n, wrap("count messages", err)
}

// AllMessages pages through messages by ascending id with their senders.
func (q *queries) AllMessages(ctx context.Context, workspaceID, afterID int64, limit int) ([]model.Message, error) {
	if limit <= 0 || limit > maxExportPage {
		limit = maxExportPage
	}
	return q.queryMessages(ctx, "all messages", `SELECT `+messageCols+`
		FROM messages m JOIN users u ON u.id = m.sender_id
		WHERE ($1::bigint = 0 OR m.workspace_id = $1::bigint) AND m.id > $2
		ORDER BY m.id LIMIT $3`, workspaceID, afterID, limit)
}

// MessagesByID returns the messages among ids that exist, with their
// senders, tombstones included, in no particular order.
func (q *queries) MessagesByID(ctx context.Context, ids []int64) ([]model.Message, error) {
	if len(ids) == 0 {
		return []model.Message{}, nil
	}
	return q.queryMessages(ctx, "messages by id", `SELECT `+messageCols+`
		FROM messages m JOIN users u ON u.id = m.sender_id
		WHERE m.id = ANY($1::bigint[])`, ids)
}

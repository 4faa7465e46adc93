package sqlite

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
)

// maxExportPage bounds one AllMessages page.
const maxExportPage = 5000

// ChatByID returns a chat without any access check (storage.Export).
func (q *queries) ChatByID(ctx context.Context, chatID int64) (model.Chat, error) {
	var c model.Chat
	dest, finish := chatDest(&c)
	if err := q.r.QueryRowContext(ctx, `SELECT `+chatCols+` FROM chats c WHERE c.id = ?`, chatID).Scan(dest...); err != nil {
		return model.Chat{}, wrap("chat by id", err)
	}
	finish()
	return c, nil
}

// CountMessages counts a workspace's messages, or all with workspaceID 0.
func (q *queries) CountMessages(ctx context.Context, workspaceID int64) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE ?1 = 0 OR workspace_id = ?1`, workspaceID).Scan(&n)
	return n, wrap("count messages", err)
}

// AllMessages pages through messages by ascending id with their senders.
func (q *queries) AllMessages(ctx context.Context, workspaceID, afterID int64, limit int) ([]model.Message, error) {
	if limit <= 0 || limit > maxExportPage {
		limit = maxExportPage
	}
	return q.queryMessages(ctx, "all messages", `SELECT `+msgCols+`, `+userCols+`
		FROM messages m JOIN users u ON u.id = m.sender_id
		WHERE (?1 = 0 OR m.workspace_id = ?1) AND m.id > ?2
		ORDER BY m.id LIMIT ?3`, workspaceID, afterID, limit)
}

// MessagesByID returns the messages among ids that exist, with their
// senders, tombstones included, in no particular order.
func (q *queries) MessagesByID(ctx context.Context, ids []int64) ([]model.Message, error) {
	out := []model.Message{}
	for _, chunk := range chunks(ids) {
		page, err := q.queryMessages(ctx, "messages by id", `SELECT `+msgCols+`, `+userCols+`
			FROM messages m JOIN users u ON u.id = m.sender_id
			WHERE m.id IN (`+placeholders(len(chunk))+`)`, int64Args(chunk)...)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
	}
	return out, nil
}

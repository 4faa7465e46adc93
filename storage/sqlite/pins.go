package sqlite

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// AutoJoinChats returns the ids of the workspace's live auto-join channels.
func (q *queries) AutoJoinChats(ctx context.Context, workspaceID int64) ([]int64, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id FROM chats
		WHERE workspace_id = ? AND auto_join AND archived_at IS NULL ORDER BY id`, workspaceID)
	if err != nil {
		return nil, wrap("auto-join chats", err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("auto-join chats", err)
		}
		out = append(out, id)
	}
	return out, wrap("auto-join chats", rows.Err())
}

// PinMessage pins a message of chatID; false when it already was.
func (q *queries) PinMessage(ctx context.Context, chatID, messageID, userID int64) (bool, error) {
	var added bool
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `INSERT INTO chat_pins (chat_id, message_id, pinned_by, pinned_at)
			SELECT chat_id, id, ?, ? FROM messages WHERE id = ? AND chat_id = ?
			ON CONFLICT (chat_id, message_id) DO NOTHING`, userID, micros(now()), messageID, chatID)
		if err != nil {
			return wrap("pin message", err)
		}
		n, err := res.RowsAffected()
		added = n == 1
		return wrap("pin message", err)
	})
	return added, err
}

// UnpinMessage unpins a message; false when it was not pinned.
func (q *queries) UnpinMessage(ctx context.Context, chatID, messageID int64) (bool, error) {
	var removed bool
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM chat_pins WHERE chat_id = ? AND message_id = ?`, chatID, messageID)
		if err != nil {
			return wrap("unpin message", err)
		}
		n, err := res.RowsAffected()
		removed = n == 1
		return wrap("unpin message", err)
	})
	return removed, err
}

// ListPins returns the chat's pinned live messages, most recently pinned first.
func (q *queries) ListPins(ctx context.Context, viewerID, chatID int64) ([]model.Message, error) {
	msgs, err := q.queryMessages(ctx, "list pins", `SELECT `+msgCols+`, `+userCols+`
		FROM chat_pins p
		JOIN messages m ON m.id = p.message_id
		JOIN users u ON u.id = m.sender_id
		WHERE p.chat_id = ? AND m.deleted_at IS NULL
		ORDER BY p.pinned_at DESC, m.id DESC LIMIT ?`, chatID, storage.PageLimit(storage.MaxPageLimit))
	if err != nil {
		return nil, err
	}
	return msgs, q.hydrate(ctx, viewerID, msgs)
}

// SaveMessage bookmarks a message for userID; false when it already was.
func (q *queries) SaveMessage(ctx context.Context, userID, messageID int64) (bool, error) {
	var added bool
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `INSERT INTO saved_messages (user_id, message_id, saved_at)
			VALUES (?, ?, ?) ON CONFLICT (user_id, message_id) DO NOTHING`, userID, messageID, micros(now()))
		if err != nil {
			return wrap("save message", err)
		}
		n, err := res.RowsAffected()
		added = n == 1
		return wrap("save message", err)
	})
	return added, err
}

// UnsaveMessage removes a bookmark; false when there was none.
func (q *queries) UnsaveMessage(ctx context.Context, userID, messageID int64) (bool, error) {
	var removed bool
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM saved_messages WHERE user_id = ? AND message_id = ?`, userID, messageID)
		if err != nil {
			return wrap("unsave message", err)
		}
		n, err := res.RowsAffected()
		removed = n == 1
		return wrap("unsave message", err)
	})
	return removed, err
}

// ListSaved returns userID's saved live messages in chats the user is still
// a member of (and whose workspace they are still in), most recently saved
// first.
func (q *queries) ListSaved(ctx context.Context, userID int64, limit int) ([]model.Message, error) {
	msgs, err := q.queryMessages(ctx, "list saved", `SELECT `+msgCols+`, `+userCols+`
		FROM saved_messages s
		JOIN messages m ON m.id = s.message_id
		JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = s.user_id
		JOIN workspace_members wm ON wm.workspace_id = m.workspace_id AND wm.user_id = s.user_id
		JOIN users u ON u.id = m.sender_id
		WHERE s.user_id = ? AND m.deleted_at IS NULL
		ORDER BY s.saved_at DESC, m.id DESC LIMIT ?`, userID, storage.PageLimit(limit))
	if err != nil {
		return nil, err
	}
	return msgs, q.hydrate(ctx, userID, msgs)
}

package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// AutoJoinChats returns the ids of the workspace's live auto-join channels.
func (q *queries) AutoJoinChats(ctx context.Context, workspaceID int64) ([]int64, error) {
	rows, err := q.db.Query(ctx, `SELECT id FROM chats
		WHERE workspace_id = $1 AND auto_join AND archived_at IS NULL ORDER BY id`, workspaceID)
	if err != nil {
		return nil, wrap("auto-join chats", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, wrap("auto-join chats", err)
	}
	if out == nil {
		out = []int64{}
	}
	return out, nil
}

// PinMessage pins a message of chatID; false when it already was.
func (q *queries) PinMessage(ctx context.Context, chatID, messageID, userID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO chat_pins (chat_id, message_id, pinned_by, pinned_at)
		SELECT chat_id, id, $3, $4 FROM messages WHERE id = $2 AND chat_id = $1
		ON CONFLICT (chat_id, message_id) DO NOTHING`, chatID, messageID, userID, now())
	if err != nil {
		return false, wrap("pin message", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UnpinMessage unpins a message; false when it was not pinned.
func (q *queries) UnpinMessage(ctx context.Context, chatID, messageID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM chat_pins WHERE chat_id = $1 AND message_id = $2`, chatID, messageID)
	if err != nil {
		return false, wrap("unpin message", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ListPins returns the chat's pinned live messages, most recently pinned first.
func (q *queries) ListPins(ctx context.Context, viewerID, chatID int64) ([]model.Message, error) {
	msgs, err := q.queryMessages(ctx, "list pins", `SELECT `+messageCols+`
		FROM chat_pins p
		JOIN messages m ON m.id = p.message_id
		JOIN users u ON u.id = m.sender_id
		WHERE p.chat_id = $1 AND m.deleted_at IS NULL
		ORDER BY p.pinned_at DESC, m.id DESC LIMIT $2`, chatID, storage.MaxPageLimit)
	if err != nil {
		return nil, err
	}
	if err := q.hydrate(ctx, viewerID, msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}

// SaveMessage bookmarks a message for userID; false when it already was.
func (q *queries) SaveMessage(ctx context.Context, userID, messageID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO saved_messages (user_id, message_id, saved_at)
		VALUES ($1, $2, $3) ON CONFLICT (user_id, message_id) DO NOTHING`, userID, messageID, now())
	if err != nil {
		return false, wrap("save message", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UnsaveMessage removes a bookmark; false when there was none.
func (q *queries) UnsaveMessage(ctx context.Context, userID, messageID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM saved_messages WHERE user_id = $1 AND message_id = $2`, userID, messageID)
	if err != nil {
		return false, wrap("unsave message", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ListSaved returns userID's saved live messages in chats the user is still
// a member of (and whose workspace they are still in), most recently saved
// first.
func (q *queries) ListSaved(ctx context.Context, userID int64, limit int) ([]model.Message, error) {
	msgs, err := q.queryMessages(ctx, "list saved", `SELECT `+messageCols+`
		FROM saved_messages s
		JOIN messages m ON m.id = s.message_id
		JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = s.user_id
		JOIN workspace_members wm ON wm.workspace_id = m.workspace_id AND wm.user_id = s.user_id
		JOIN users u ON u.id = m.sender_id
		WHERE s.user_id = $1 AND m.deleted_at IS NULL
		ORDER BY s.saved_at DESC, m.id DESC LIMIT $2`, userID, storage.PageLimit(limit))
	if err != nil {
		return nil, err
	}
	if err := q.hydrate(ctx, userID, msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}

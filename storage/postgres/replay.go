package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// readableByViewer is canRead for the chat of each row (messages m, chats
// c) and the viewer $2.
const readableByViewer = `(EXISTS (SELECT 1 FROM chat_members acm WHERE acm.chat_id = m.chat_id AND acm.user_id = $2)
	OR (c.type = 'public_channel' AND EXISTS (SELECT 1 FROM workspace_members awm
		WHERE awm.workspace_id = c.workspace_id AND awm.user_id = $2 AND awm.role <> 'guest')))`

// MessagesForViewer returns the messages among ids that viewerID may read
// now, hydrated for viewerID, tombstones included, in no particular order.
func (q *queries) MessagesForViewer(ctx context.Context, viewerID int64, ids []int64) ([]model.Message, error) {
	if len(ids) == 0 {
		return []model.Message{}, nil
	}
	msgs, err := q.queryMessages(ctx, "messages for viewer", `SELECT `+messageCols+`
		FROM messages m JOIN users u ON u.id = m.sender_id JOIN chats c ON c.id = m.chat_id
		WHERE m.id = ANY($1::bigint[]) AND `+readableByViewer, ids, viewerID)
	if err != nil {
		return nil, err
	}
	if err := q.hydrate(ctx, viewerID, msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}

// JoinTimes reads when userID's current memberships began, in one query
// (one snapshot): its workspaces, and its chats in those workspaces.
func (q *queries) JoinTimes(ctx context.Context, userID int64) (storage.JoinTimes, error) {
	jt := storage.JoinTimes{Workspaces: map[int64]time.Time{}, Chats: map[int64]time.Time{}}
	rows, err := q.db.Query(ctx, `SELECT false, workspace_id, joined_at FROM workspace_members WHERE user_id = $1
		UNION ALL
		SELECT true, cm.chat_id, cm.joined_at FROM chat_members cm
		JOIN chats c ON c.id = cm.chat_id
		JOIN workspace_members wm ON wm.workspace_id = c.workspace_id AND wm.user_id = cm.user_id
		WHERE cm.user_id = $1`, userID)
	if err != nil {
		return storage.JoinTimes{}, wrap("join times", err)
	}
	var chat bool
	var id int64
	var joined time.Time
	_, err = pgx.ForEachRow(rows, []any{&chat, &id, &joined}, func() error {
		if chat {
			jt.Chats[id] = joined.UTC()
		} else {
			jt.Workspaces[id] = joined.UTC()
		}
		return nil
	})
	if err != nil {
		return storage.JoinTimes{}, wrap("join times", err)
	}
	return jt, nil
}

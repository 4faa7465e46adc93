package sqlite

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// MessagesForViewer returns the messages among ids that viewerID may read
// now, hydrated for viewerID, tombstones included, in no particular order.
func (q *queries) MessagesForViewer(ctx context.Context, viewerID int64, ids []int64) ([]model.Message, error) {
	out := []model.Message{}
	for _, chunk := range chunks(uniqueIDs(ids)) {
		// readableByViewer comes first: it names the viewer ?1, and the
		// bare placeholders of the id list then number on from 2.
		page, err := q.queryMessages(ctx, "messages for viewer", `SELECT `+msgCols+`, `+userCols+`
			FROM messages m JOIN users u ON u.id = m.sender_id JOIN chats c ON c.id = m.chat_id
			WHERE `+readableByViewer+` AND m.id IN (`+placeholders(len(chunk))+`)`,
			append([]any{viewerID}, int64Args(chunk)...)...)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
	}
	if err := q.hydrate(ctx, viewerID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// JoinTimes reads when userID's current memberships began, in one query
// (one snapshot): its workspaces, and its chats in those workspaces.
func (q *queries) JoinTimes(ctx context.Context, userID int64) (storage.JoinTimes, error) {
	jt := storage.JoinTimes{Workspaces: map[int64]time.Time{}, Chats: map[int64]time.Time{}}
	rows, err := q.r.QueryContext(ctx, `SELECT 0, workspace_id, joined_at FROM workspace_members WHERE user_id = ?1
		UNION ALL
		SELECT 1, cm.chat_id, cm.joined_at FROM chat_members cm
		JOIN chats c ON c.id = cm.chat_id
		JOIN workspace_members wm ON wm.workspace_id = c.workspace_id AND wm.user_id = cm.user_id
		WHERE cm.user_id = ?1`, userID)
	if err != nil {
		return storage.JoinTimes{}, wrap("join times", err)
	}
	defer rows.Close()
	for rows.Next() {
		var chat bool
		var id, joined int64
		if err := rows.Scan(&chat, &id, &joined); err != nil {
			return storage.JoinTimes{}, wrap("join times", err)
		}
		if chat {
			jt.Chats[id] = fromMicros(joined)
		} else {
			jt.Workspaces[id] = fromMicros(joined)
		}
	}
	return jt, wrap("join times", rows.Err())
}

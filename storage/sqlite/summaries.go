package sqlite

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// userColsNullable is userCols for a LEFT JOINed users u (no last message).
const userColsNullable = `COALESCE(u.id, 0), COALESCE(u.email, ''), COALESCE(u.username, ''),
	COALESCE(u.display_name, ''), COALESCE(u.avatar_url, ''), COALESCE(u.locale, ''),
	COALESCE(u.timezone, ''), COALESCE(u.is_bot, 0), COALESCE(u.is_admin, 0),
	COALESCE(u.password_hash, ''), COALESCE(u.tokens_valid_after, 0), u.disabled_at, COALESCE(u.created_at, 0),
	COALESCE(u.avatar_sha256, ''), COALESCE(u.status_emoji, ''), COALESCE(u.status_text, ''), u.status_expires_at`

// summarySelect reads a chat as one user sees it, in one statement: the
// member count is a correlated count over the chat_members primary key and
// the last message is the one whose seq is the chat's last_seq. The caller
// joins chat_members cm (possibly LEFT) for the user.
const summarySelect = `SELECT ` + chatCols + `,
	COALESCE(cm.role, ''), COALESCE(cm.last_read_seq, 0),
	(SELECT COUNT(*) FROM chat_members x WHERE x.chat_id = c.id),
	` + msgCols + `, ` + userColsNullable + `
FROM chats c `

const summaryLastMessage = `
LEFT JOIN messages m ON m.chat_id = c.id AND m.seq = c.last_seq
LEFT JOIN users u ON u.id = m.sender_id `

// ListChatsForUser returns userID's chats in a workspace, most recent
// activity first. UnreadCount is last_seq - last_read_seq: every message
// after the marker counts, the user's own and tombstones included, which
// is what a seq-based marker can say without counting rows.
func (q *queries) ListChatsForUser(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error) {
	return q.summaries(ctx, "list chats", summarySelect+`
		JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = ?`+summaryLastMessage+`
		WHERE c.workspace_id = ?
		ORDER BY c.last_activity_at DESC, c.id DESC`, userID, workspaceID)
}

// ListJoinableChannels returns the workspace's public channels userID is
// not in and that are not archived, by name, with their last message.
func (q *queries) ListJoinableChannels(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error) {
	return q.summaries(ctx, "list joinable channels", summarySelect+`
		LEFT JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = ?`+summaryLastMessage+`
		WHERE c.workspace_id = ? AND c.type = 'public_channel' AND cm.user_id IS NULL
			AND c.archived_at IS NULL
		ORDER BY lower(c.name), c.id`, userID, workspaceID)
}

// ChatSummary returns one chat as userID sees it.
func (q *queries) ChatSummary(ctx context.Context, chatID, userID int64) (model.ChatSummary, error) {
	list, err := q.summaries(ctx, "chat summary", summarySelect+`
		LEFT JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = ?`+summaryLastMessage+`
		WHERE c.id = ?`, userID, chatID)
	if err != nil {
		return model.ChatSummary{}, err
	}
	if len(list) == 0 {
		return model.ChatSummary{}, fmt.Errorf("chat summary: %w", storage.ErrNotFound)
	}
	return list[0], nil
}

func (q *queries) summaries(ctx context.Context, op, query string, args ...any) ([]model.ChatSummary, error) {
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []model.ChatSummary{}
	for rows.Next() {
		cs, err := scanSummary(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, cs)
	}
	return out, wrap(op, rows.Err())
}

func scanSummary(sc scanner) (model.ChatSummary, error) {
	var cs model.ChatSummary
	var r msgRow
	var sender model.User
	cdest, finishChat := chatDest(&cs.Chat)
	udest, finishUser := userDest(&sender)
	dest := append(cdest, &cs.MyRole, &cs.LastReadSeq, &cs.MemberCount)
	if err := sc.Scan(append(append(dest, r.dest()...), udest...)...); err != nil {
		return model.ChatSummary{}, err
	}
	finishChat()
	finishUser()
	cs.UnreadCount = max(0, cs.LastSeq-cs.LastReadSeq)
	if cs.MyRole == "" {
		cs.UnreadCount = 0 // not a member: nothing is unread
	}
	if r.id.Valid {
		m := r.message()
		m.Sender = sender
		cs.LastMessage = &m
	}
	return cs, nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// summarySelect reads chats as one user sees them, in one statement: the
// member count is a correlated count over the chat_members primary key and
// the last message is the one whose seq is the chat's last_seq (a tombstone
// if that one was deleted). The query joins chat_members cm for the user
// (LEFT for chats the user is not in).
const summarySelect = `SELECT ` + chatCols + `, coalesce(cm.role, ''), coalesce(cm.last_read_seq, 0),
		(SELECT count(*) FROM chat_members x WHERE x.chat_id = c.id),
		lm.id, lm.seq, lm.sender_id, lm.content, lm.client_id, lm.reply_to, lm.reply_count,
		lm.created_at, lm.edited_at, lm.deleted_at,
		u.id, u.email, u.username, u.display_name, u.avatar_url, u.locale,
		u.timezone, u.is_bot, u.is_admin, u.password_hash, u.tokens_valid_after, u.created_at
	FROM chats c `

const summaryLastMessage = `
	LEFT JOIN messages lm ON lm.chat_id = c.id AND lm.seq = c.last_seq
	LEFT JOIN users u ON u.id = lm.sender_id `

// ListChatsForUser returns the chats userID is a member of in a workspace,
// with member count, unread count and last message, most recent activity
// first (chats without messages by creation), in one query. UnreadCount is
// LastSeq - LastReadSeq: every message after the marker counts, the user's
// own and tombstones included, as the SQLite engine does.
func (q *queries) ListChatsForUser(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error) {
	return q.summaries(ctx, "list chats", summarySelect+`
		JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2`+summaryLastMessage+`
		WHERE c.workspace_id = $1
		ORDER BY c.last_activity_at DESC, c.id DESC`, workspaceID, userID)
}

// ListJoinableChannels returns the workspace's public channels userID is
// not in and that are not archived, by name, with member count and last message.
func (q *queries) ListJoinableChannels(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error) {
	return q.summaries(ctx, "list joinable channels", summarySelect+`
		LEFT JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2`+summaryLastMessage+`
		WHERE c.workspace_id = $1 AND c.type = 'public_channel' AND cm.user_id IS NULL
			AND c.archived_at IS NULL
		ORDER BY lower(c.name), c.id`, workspaceID, userID)
}

// ChatSummary returns one chat as userID sees it.
func (q *queries) ChatSummary(ctx context.Context, chatID, userID int64) (model.ChatSummary, error) {
	list, err := q.summaries(ctx, "chat summary", summarySelect+`
		LEFT JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2`+summaryLastMessage+`
		WHERE c.id = $1`, chatID, userID)
	if err != nil {
		return model.ChatSummary{}, err
	}
	if len(list) == 0 {
		return model.ChatSummary{}, fmt.Errorf("chat summary: %w", storage.ErrNotFound)
	}
	return list[0], nil
}

func (q *queries) summaries(ctx context.Context, op, query string, args ...any) ([]model.ChatSummary, error) {
	rows, err := q.db.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, scanSummary)
	return nonNil(out), wrap(op, err)
}

// lastMessage holds the nullable columns of a LEFT JOINed last message and
// its sender.
type lastMessage struct {
	id, seq, senderID                  *int64
	content, clientID                  *string
	replyTo                            *int64
	replyCount                         *int
	createdAt                          *time.Time
	editedAt, deletedAt                *time.Time
	userID                             *int64
	email, username, displayName, avat *string
	locale, timezone                   *string
	isBot, isAdmin                     *bool
	passwordHash                       *string
	tokensValidAfter, userCreatedAt    *time.Time
}

func (l *lastMessage) dest() []any {
	return []any{&l.id, &l.seq, &l.senderID, &l.content, &l.clientID, &l.replyTo, &l.replyCount,
		&l.createdAt, &l.editedAt, &l.deletedAt,
		&l.userID, &l.email, &l.username, &l.displayName, &l.avat, &l.locale,
		&l.timezone, &l.isBot, &l.isAdmin, &l.passwordHash, &l.tokensValidAfter, &l.userCreatedAt}
}

// message returns the last message, or nil when the chat has none.
func (l *lastMessage) message(c model.Chat) *model.Message {
	if l.id == nil {
		return nil
	}
	m := &model.Message{
		ID: *l.id, ChatID: c.ID, WorkspaceID: c.WorkspaceID, Seq: *l.seq, SenderID: *l.senderID,
		Content: *l.content, ClientID: *l.clientID, ReplyTo: l.replyTo, ReplyCount: *l.replyCount,
		CreatedAt: *l.createdAt, EditedAt: l.editedAt, DeletedAt: l.deletedAt, Deleted: l.deletedAt != nil,
		Attachments: []model.File{}, Reactions: []model.ReactionCount{}, Mentions: []int64{},
	}
	if l.userID != nil {
		m.Sender = model.User{ID: *l.userID, Email: *l.email, Username: *l.username,
			DisplayName: *l.displayName, AvatarURL: *l.avat, Locale: *l.locale, Timezone: *l.timezone,
			IsBot: *l.isBot, IsAdmin: *l.isAdmin, PasswordHash: *l.passwordHash,
			TokensValidAfter: *l.tokensValidAfter, CreatedAt: *l.userCreatedAt}
	}
	return m
}

func scanSummary(r pgx.CollectableRow) (model.ChatSummary, error) {
	var s model.ChatSummary
	var lm lastMessage
	dest := append(chatDest(&s.Chat), &s.MyRole, &s.LastReadSeq, &s.MemberCount)
	if err := r.Scan(append(dest, lm.dest()...)...); err != nil {
		return model.ChatSummary{}, err
	}
	s.LastMessage = lm.message(s.Chat)
	if s.MyRole != "" { // not a member: nothing is unread
		s.UnreadCount = max(0, s.LastSeq-s.LastReadSeq)
	}
	return s, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// chatCols are the chats columns chatDest reads, for a table aliased c.
const chatCols = `c.id, c.workspace_id, c.type, c.name, c.topic, c.created_by, c.created_at,
	c.last_seq, c.last_activity_at, COALESCE(c.direct_key, ''), c.description, c.archived_at, c.auto_join`

func chatDest(c *model.Chat) ([]any, func()) {
	var created, active int64
	var archived sql.NullInt64
	dest := []any{&c.ID, &c.WorkspaceID, &c.Type, &c.Name, &c.Topic, &c.CreatedBy, &created,
		&c.LastSeq, &active, &c.DirectKey, &c.Description, &archived, &c.AutoJoin}
	return dest, func() {
		c.CreatedAt, c.LastActivityAt = fromMicros(created), fromMicros(active)
		c.ArchivedAt = fromNullMicros(archived)
	}
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// CreateChat inserts c and its members. Every member must belong to the
// chat's workspace (ErrNotFound otherwise).
func (q *queries) CreateChat(ctx context.Context, c *model.Chat, members []model.ChatMember) error {
	created := orNow(c.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO chats (workspace_id, type, name, topic, created_by,
			created_at, last_seq, last_activity_at, direct_key, description, auto_join)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) RETURNING id`,
			c.WorkspaceID, c.Type, c.Name, c.Topic, c.CreatedBy, micros(created), micros(created),
			nullString(c.DirectKey), c.Description, c.AutoJoin).Scan(&c.ID)
		if err != nil {
			return wrap("create chat", err)
		}
		c.CreatedAt, c.LastActivityAt, c.LastSeq = created, created, 0
		for _, m := range members {
			added, err := q.addChatMember(ctx, c.ID, m)
			if err != nil {
				return err
			}
			if !added {
				return fmt.Errorf("create chat: member %d twice: %w", m.UserID, storage.ErrConflict)
			}
		}
		return nil
	})
}

// addChatMember inserts one member if the user belongs to the chat's
// workspace; added is false when the user already was a member.
func (q *queries) addChatMember(ctx context.Context, chatID int64, m model.ChatMember) (bool, error) {
	role := m.Role
	if role == "" {
		role = model.ChatRoleMember
	}
	res, err := q.w.ExecContext(ctx, `INSERT INTO chat_members (chat_id, user_id, role, joined_at, last_read_seq)
		SELECT c.id, wm.user_id, ?, ?, 0 FROM chats c
		JOIN workspace_members wm ON wm.workspace_id = c.workspace_id AND wm.user_id = ?
		WHERE c.id = ?
		ON CONFLICT (chat_id, user_id) DO NOTHING`, role, micros(now()), m.UserID, chatID)
	if err != nil {
		return false, wrap("add chat member", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, wrap("add chat member", err)
	}
	var exists bool
	err = q.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM chat_members WHERE chat_id = ? AND user_id = ?)`,
		chatID, m.UserID).Scan(&exists)
	if err != nil {
		return false, wrap("add chat member", err)
	}
	if !exists {
		return false, fmt.Errorf("add chat member %d: no such chat or not in its workspace: %w", m.UserID, storage.ErrNotFound)
	}
	return false, nil
}

// AddChatMembers adds members, skipping those already in, and returns the
// ids it added.
func (q *queries) AddChatMembers(ctx context.Context, chatID int64, members []model.ChatMember) ([]int64, error) {
	added := []int64{}
	err := q.atomic(ctx, func(q *queries) error {
		added = added[:0]
		for _, m := range members {
			ok, err := q.addChatMember(ctx, chatID, m)
			if err != nil {
				return err
			}
			if ok {
				added = append(added, m.UserID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// ChatAccess returns the chat with userID's standing in it.
func (q *queries) ChatAccess(ctx context.Context, chatID, userID int64) (storage.ChatAccess, error) {
	var a storage.ChatAccess
	dest, finish := chatDest(&a.Chat)
	err := q.r.QueryRowContext(ctx, `SELECT `+chatCols+`, wm.role, COALESCE(cm.role, ''), COALESCE(cm.last_read_seq, 0)
		FROM chats c
		JOIN workspace_members wm ON wm.workspace_id = c.workspace_id AND wm.user_id = ?
		LEFT JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = wm.user_id
		WHERE c.id = ?`, userID, chatID).Scan(append(dest, &a.WorkspaceRole, &a.ChatRole, &a.LastReadSeq)...)
	if err != nil {
		return storage.ChatAccess{}, wrap("chat access", err)
	}
	finish()
	return a, nil
}

// DirectChat finds the direct chat with key in a workspace.
func (q *queries) DirectChat(ctx context.Context, workspaceID int64, directKey string) (model.Chat, error) {
	var c model.Chat
	dest, finish := chatDest(&c)
	err := q.r.QueryRowContext(ctx, `SELECT `+chatCols+` FROM chats c
		WHERE c.workspace_id = ? AND c.direct_key = ?`, workspaceID, directKey).Scan(dest...)
	if err != nil {
		return model.Chat{}, wrap("direct chat", err)
	}
	finish()
	return c, nil
}

// UpdateChat stores the chat's name, topic, description and archived time.
func (q *queries) UpdateChat(ctx context.Context, c model.Chat) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE chats SET name = ?, topic = ?, description = ?, archived_at = ?
			WHERE id = ?`, c.Name, c.Topic, c.Description, nullMicros(c.ArchivedAt), c.ID)
		return mustAffect("update chat", res, err)
	})
}

// DeleteChat removes the chat; its members, messages and their links go with it.
func (q *queries) DeleteChat(ctx context.Context, chatID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM chats WHERE id = ?`, chatID)
		return mustAffect("delete chat", res, err)
	})
}

// RemoveChatMember removes one member.
func (q *queries) RemoveChatMember(ctx context.Context, chatID, userID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?`, chatID, userID)
		return mustAffect("remove chat member", res, err)
	})
}

// SetChatMemberRole changes one member's role.
func (q *queries) SetChatMemberRole(ctx context.Context, chatID, userID int64, role model.ChatRole) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE chat_members SET role = ? WHERE chat_id = ? AND user_id = ?`,
			role, chatID, userID)
		return mustAffect("set chat member role", res, err)
	})
}

// ListChatMembers returns the members with their users, by join time;
// only those still in the chat's workspace, so that a chat_members row left
// behind by a removal can never put someone in a chat's audience.
func (q *queries) ListChatMembers(ctx context.Context, chatID int64) ([]model.ChatMember, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT cm.chat_id, cm.user_id, cm.role, cm.joined_at, cm.last_read_seq, `+userCols+`
		FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
		JOIN workspace_members wm ON wm.workspace_id = c.workspace_id AND wm.user_id = cm.user_id
		JOIN users u ON u.id = cm.user_id
		WHERE cm.chat_id = ? ORDER BY cm.joined_at, cm.user_id`, chatID)
	if err != nil {
		return nil, wrap("list chat members", err)
	}
	defer rows.Close()
	out := []model.ChatMember{}
	for rows.Next() {
		var m model.ChatMember
		var joined int64
		udest, finish := userDest(&m.User)
		if err := rows.Scan(append([]any{&m.ChatID, &m.UserID, &m.Role, &joined, &m.LastReadSeq}, udest...)...); err != nil {
			return nil, wrap("list chat members", err)
		}
		finish()
		m.JoinedAt = fromMicros(joined)
		out = append(out, m)
	}
	return out, wrap("list chat members", rows.Err())
}

// ChatMemberIDsByUsername returns the ids of the chat's members with these
// usernames, compared case-insensitively.
func (q *queries) ChatMemberIDsByUsername(ctx context.Context, chatID int64, usernames []string) ([]int64, error) {
	names := uniqueLower(usernames)
	out := []int64{}
	if len(names) == 0 {
		return out, nil
	}
	args := []any{chatID}
	for _, n := range names {
		args = append(args, n)
	}
	rows, err := q.r.QueryContext(ctx, `SELECT u.id FROM chat_members cm JOIN users u ON u.id = cm.user_id
		WHERE cm.chat_id = ? AND lower(u.username) IN (`+placeholders(len(names))+`) ORDER BY u.id`, args...)
	if err != nil {
		return nil, wrap("chat members by username", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("chat members by username", err)
		}
		out = append(out, id)
	}
	return out, wrap("chat members by username", rows.Err())
}

// uniqueLower lowercases names (as SQLite's lower() does: ASCII only) and
// drops empties and duplicates, at most maxInArgs of them.
func uniqueLower(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		l := asciiLower(n)
		if l != "" && !seen[l] && len(out) < maxInArgs {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

// MarkRead moves the read marker forward to seq, capped at the chat's
// last seq, and reports the marker and whether it moved.
func (q *queries) MarkRead(ctx context.Context, chatID, userID, seq int64) (int64, bool, error) {
	var marker int64
	moved := false
	err := q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `UPDATE chat_members
			SET last_read_seq = min(?, (SELECT last_seq FROM chats WHERE id = chat_id))
			WHERE chat_id = ? AND user_id = ?
			AND last_read_seq < min(?, (SELECT last_seq FROM chats WHERE id = chat_id))
			RETURNING last_read_seq`, seq, chatID, userID, seq).Scan(&marker)
		if err == nil {
			moved = true
			return nil
		}
		if err != sql.ErrNoRows {
			return wrap("mark read", err)
		}
		err = q.w.QueryRowContext(ctx, `SELECT last_read_seq FROM chat_members WHERE chat_id = ? AND user_id = ?`,
			chatID, userID).Scan(&marker)
		return wrap("mark read", err)
	})
	return marker, moved, err
}

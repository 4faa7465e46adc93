package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// chatCols are the chats columns in chatDest order, for a table aliased c.
// direct_key is NULL except for direct chats.
const chatCols = `c.id, c.workspace_id, c.type, c.name, c.topic, c.created_by, c.created_at,
	c.last_seq, c.last_activity_at, coalesce(c.direct_key, ''), c.description, c.archived_at, c.auto_join`

func chatDest(c *model.Chat) []any {
	return []any{&c.ID, &c.WorkspaceID, &c.Type, &c.Name, &c.Topic, &c.CreatedBy, &c.CreatedAt,
		&c.LastSeq, &c.LastActivityAt, &c.DirectKey, &c.Description, &c.ArchivedAt, &c.AutoJoin}
}

// nullString stores "" as NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CreateChat inserts c (setting ID, CreatedAt, LastActivityAt) and its
// members (setting their ChatID and JoinedAt). ErrConflict when a channel of
// the same name (case-insensitive) exists in the workspace, or a direct chat
// with the same DirectKey does; ErrNotFound when a member is not in the
// workspace.
func (q *queries) CreateChat(ctx context.Context, c *model.Chat, members []model.ChatMember) error {
	created := now()
	return q.atomic(ctx, func(q *queries) error {
		err := q.db.QueryRow(ctx, `INSERT INTO chats (workspace_id, type, name, topic, created_by,
				created_at, last_seq, last_activity_at, direct_key, description, auto_join)
			VALUES ($1, $2, $3, $4, $5, $6, 0, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
			c.WorkspaceID, c.Type, c.Name, c.Topic, c.CreatedBy, created, nullString(c.DirectKey),
			c.Description, c.AutoJoin).Scan(&c.ID)
		if isNoRows(err) {
			return conflict("create chat")
		}
		if err != nil {
			return wrap("create chat", err)
		}
		c.CreatedAt, c.LastActivityAt, c.LastSeq = created, created, 0
		if _, err := q.insertChatMembers(ctx, c.ID, members, created); err != nil {
			return err
		}
		for i := range members {
			members[i].ChatID, members[i].JoinedAt = c.ID, created
		}
		return nil
	})
}

// insertChatMembers adds members in one statement, skipping those already
// in, and returns the user ids actually added, in the order given. It adds
// nobody and answers ErrNotFound when the chat does not exist or one of the
// users is not a member of the chat's workspace.
//
// The membership check locks what it reads, so that it cannot go stale
// before commit: per row first the workspace (FOR KEY SHARE, which only a
// workspace's deletion waits for) and then the member's workspace_members
// row (FOR SHARE, which RemoveMember's and SetMemberRole's writes wait
// for), the members in ascending user order. A removal that got there first
// makes the locked read skip the deleted row (ErrNotFound); one that comes
// later waits for this transaction and then deletes the new chat_members
// rows too. Inserting in user order as well keeps two transactions adding
// the same people from deadlocking on each other's rows.
func (q *queries) insertChatMembers(ctx context.Context, chatID int64, members []model.ChatMember, joined time.Time) ([]int64, error) {
	ids := make([]int64, len(members))
	roles := make([]string, len(members))
	for i, m := range members {
		ids[i], roles[i] = m.UserID, string(m.Role)
		if m.Role == "" {
			roles[i] = string(model.ChatRoleMember)
		}
	}
	var chats, outsiders int
	var added []int64
	err := q.db.QueryRow(ctx, `WITH
		c AS (SELECT id, workspace_id FROM chats WHERE id = $1),
		want AS (SELECT * FROM unnest($2::bigint[], $3::text[]) AS w (user_id, role)),
		ok AS (SELECT want.user_id, want.role FROM want JOIN c ON true
			JOIN workspaces w ON w.id = c.workspace_id
			JOIN workspace_members wm ON wm.workspace_id = w.id AND wm.user_id = want.user_id
			ORDER BY wm.user_id
			FOR KEY SHARE OF w FOR SHARE OF wm),
		ins AS (INSERT INTO chat_members (chat_id, user_id, role, joined_at, last_read_seq)
			SELECT $1, ok.user_id, ok.role, $4, 0 FROM ok
			WHERE (SELECT count(*) FROM ok) = (SELECT count(*) FROM want)
			ORDER BY ok.user_id
			ON CONFLICT DO NOTHING RETURNING user_id)
		SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM want) - (SELECT count(*) FROM ok),
			array(SELECT user_id FROM ins)`, chatID, ids, roles, joined).Scan(&chats, &outsiders, &added)
	switch {
	case err != nil:
		return nil, wrap("add chat members", err)
	case chats == 0:
		return nil, notFound("add chat members: chat")
	case outsiders > 0:
		return nil, notFound("add chat members: user in the chat's workspace")
	}
	return orderLike(ids, added), nil
}

// orderLike returns the elements of subset in the order they have in all.
func orderLike(all, subset []int64) []int64 {
	in := make(map[int64]bool, len(subset))
	for _, id := range subset {
		in[id] = true
	}
	out := make([]int64, 0, len(subset))
	for _, id := range all {
		if in[id] {
			out = append(out, id)
			delete(in, id)
		}
	}
	return out
}

// ChatAccess returns the chat and userID's standing in it; ErrNotFound when
// the chat does not exist or userID is not a member of its workspace.
func (q *queries) ChatAccess(ctx context.Context, chatID, userID int64) (storage.ChatAccess, error) {
	var a storage.ChatAccess
	err := q.db.QueryRow(ctx, `SELECT `+chatCols+`, wm.role, coalesce(cm.role, ''), coalesce(cm.last_read_seq, 0)
		FROM chats c
		JOIN workspace_members wm ON wm.workspace_id = c.workspace_id AND wm.user_id = $2
		LEFT JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2
		WHERE c.id = $1`, chatID, userID).
		Scan(append(chatDest(&a.Chat), &a.WorkspaceRole, &a.ChatRole, &a.LastReadSeq)...)
	if err != nil {
		return storage.ChatAccess{}, wrap("chat access", err)
	}
	return a, nil
}

// DirectChat finds the direct chat with key in a workspace.
func (q *queries) DirectChat(ctx context.Context, workspaceID int64, directKey string) (model.Chat, error) {
	var c model.Chat
	err := q.db.QueryRow(ctx, `SELECT `+chatCols+` FROM chats c
		WHERE c.workspace_id = $1 AND c.direct_key = $2`, workspaceID, directKey).Scan(chatDest(&c)...)
	if err != nil {
		return model.Chat{}, wrap("direct chat", err)
	}
	return c, nil
}

// UpdateChat stores Name, Topic, Description and ArchivedAt of c;
// ErrConflict on a duplicate channel name.
func (q *queries) UpdateChat(ctx context.Context, c model.Chat) error {
	return q.guarded(ctx, func(q *queries) error {
		tag, err := q.db.Exec(ctx, `UPDATE chats SET name = $2, topic = $3, description = $4, archived_at = $5
			WHERE id = $1`, c.ID, c.Name, c.Topic, c.Description, c.ArchivedAt)
		return mustAffect("update chat", tag, err)
	})
}

// SetChatMemberRole changes one member's role; ErrNotFound if not a member.
func (q *queries) SetChatMemberRole(ctx context.Context, chatID, userID int64, role model.ChatRole) error {
	tag, err := q.db.Exec(ctx, `UPDATE chat_members SET role = $3 WHERE chat_id = $1 AND user_id = $2`,
		chatID, userID, role)
	return mustAffect("set chat member role", tag, err)
}

// DeleteChat removes the chat with its members and messages.
func (q *queries) DeleteChat(ctx context.Context, chatID int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM chats WHERE id = $1`, chatID)
	return mustAffect("delete chat", tag, err)
}

// AddChatMembers adds members, ignoring those already in; it returns the
// user ids that were actually added. ErrNotFound when the chat does not
// exist or a user is not in its workspace (then nobody is added).
func (q *queries) AddChatMembers(ctx context.Context, chatID int64, members []model.ChatMember) ([]int64, error) {
	return q.insertChatMembers(ctx, chatID, members, now())
}

// RemoveChatMember removes one member; ErrNotFound if not a member.
func (q *queries) RemoveChatMember(ctx context.Context, chatID, userID int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM chat_members WHERE chat_id = $1 AND user_id = $2`, chatID, userID)
	return mustAffect("remove chat member", tag, err)
}

const chatMemberCols = `cm.chat_id, cm.user_id, cm.role, cm.joined_at, cm.last_read_seq, ` + userCols

func chatMemberDest(m *model.ChatMember) []any {
	return append([]any{&m.ChatID, &m.UserID, &m.Role, &m.JoinedAt, &m.LastReadSeq}, userDest(&m.User)...)
}

// ListChatMembers returns members with User filled in, by join time; only
// those still in the chat's workspace, so that a chat_members row left
// behind by a removal can never put someone in a chat's audience.
func (q *queries) ListChatMembers(ctx context.Context, chatID int64) ([]model.ChatMember, error) {
	rows, err := q.db.Query(ctx, `SELECT `+chatMemberCols+` FROM chat_members cm
		JOIN chats c ON c.id = cm.chat_id
		JOIN workspace_members wm ON wm.workspace_id = c.workspace_id AND wm.user_id = cm.user_id
		JOIN users u ON u.id = cm.user_id
		WHERE cm.chat_id = $1 ORDER BY cm.joined_at, cm.user_id`, chatID)
	if err != nil {
		return nil, wrap("list chat members", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.ChatMember, error) {
		var m model.ChatMember
		err := r.Scan(chatMemberDest(&m)...)
		return m, err
	})
	return nonNil(out), wrap("list chat members", err)
}

// ChatMemberIDsByUsername returns the ids of chat members with these
// usernames (case-insensitive).
func (q *queries) ChatMemberIDsByUsername(ctx context.Context, chatID int64, usernames []string) ([]int64, error) {
	if len(usernames) == 0 {
		return []int64{}, nil
	}
	rows, err := q.db.Query(ctx, `SELECT u.id FROM chat_members cm JOIN users u ON u.id = cm.user_id
		WHERE cm.chat_id = $1 AND lower(u.username) IN (SELECT lower(x) FROM unnest($2::text[]) AS x)
		ORDER BY u.id`, chatID, usernames)
	if err != nil {
		return nil, wrap("chat member ids by username", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return nonNil(ids), wrap("chat member ids by username", err)
}

// MarkRead moves userID's read marker to seq (capped at the chat's LastSeq)
// if that is forward; it reports the new marker and whether it moved.
// ErrNotFound when userID is not a member of the chat.
func (q *queries) MarkRead(ctx context.Context, chatID, userID, seq int64) (int64, bool, error) {
	var marker int64
	err := q.db.QueryRow(ctx, `UPDATE chat_members cm SET last_read_seq = least($3, c.last_seq)
		FROM chats c
		WHERE c.id = cm.chat_id AND cm.chat_id = $1 AND cm.user_id = $2
		  AND least($3, c.last_seq) > cm.last_read_seq
		RETURNING cm.last_read_seq`, chatID, userID, seq).Scan(&marker)
	if err == nil {
		return marker, true, nil
	}
	if !isNoRows(err) {
		return 0, false, wrap("mark read", err)
	}
	err = q.db.QueryRow(ctx, `SELECT last_read_seq FROM chat_members WHERE chat_id = $1 AND user_id = $2`,
		chatID, userID).Scan(&marker)
	if err != nil {
		return 0, false, wrap("mark read", err)
	}
	return marker, false, nil
}

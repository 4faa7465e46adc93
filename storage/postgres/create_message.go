package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fechatter/fechatter/internal/model"
)

// errDuplicate reports, inside CreateMessage's transaction, that the
// client id was already used; the transaction is rolled back and the
// existing message returned.
var errDuplicate = errors.New("duplicate client id")

// CreateMessage assigns m.Seq, m.ID, m.CreatedAt and m.WorkspaceID, stores
// mentions and attachment links, bumps the parent's reply count and the
// chat's LastSeq and LastActivityAt, and fills m in as a read would return
// it. Bumping the chat's last_seq locks its row until commit, which
// serialises senders in one chat, so seqs are gap-free; a concurrent
// duplicate client id waits on that lock, then its insert does nothing,
// its transaction (or savepoint) rolls back, bump included, and the first
// message is returned instead.
func (q *queries) CreateMessage(ctx context.Context, m *model.Message) (bool, error) {
	err := q.atomic(ctx, func(q *queries) error { return q.insertMessage(ctx, m) })
	if errors.Is(err, errDuplicate) {
		existing, err := q.messageByClientID(ctx, m.ChatID, m.SenderID, m.ClientID)
		if err != nil {
			return false, err
		}
		*m = existing
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// bumpAndInsert takes the next seq of chat $1 and inserts the message with
// it, in one statement. No row: the chat does not exist. A row whose id is
// NULL: the client id was used (the caller must roll back the bump).
const bumpAndInsert = `WITH
	c AS (UPDATE chats SET last_seq = last_seq + 1, last_activity_at = $6
		WHERE id = $1 RETURNING workspace_id, last_seq),
	ins AS (INSERT INTO messages (chat_id, workspace_id, seq, sender_id, content, client_id,
			reply_to, reply_count, created_at)
		SELECT $1, c.workspace_id, c.last_seq, $2, $3, $4, $5, 0, $6 FROM c
		ON CONFLICT DO NOTHING RETURNING id)
	SELECT c.workspace_id, c.last_seq, ins.id, ` + userCols + `
	FROM c JOIN users u ON u.id = $2 LEFT JOIN ins ON true`

// insertMessage is CreateMessage's transaction: one statement numbers and
// inserts the message (reading the sender on the way), one batch does the
// dependent writes.
func (q *queries) insertMessage(ctx context.Context, m *model.Message) error {
	created := now()
	var id *int64
	dest := append([]any{&m.WorkspaceID, &m.Seq, &id}, userDest(&m.Sender)...)
	err := q.db.QueryRow(ctx, bumpAndInsert, m.ChatID, m.SenderID, m.Content, m.ClientID, m.ReplyTo,
		created).Scan(dest...)
	if err != nil {
		return wrap("create message: chat and sender", err)
	}
	if id == nil {
		return errDuplicate
	}
	m.ID, m.CreatedAt, m.ReplyCount = *id, created, 0
	m.EditedAt, m.DeletedAt, m.Deleted = nil, nil, false
	m.Reactions = []model.ReactionCount{}
	return wrap("create message", q.afterInsert(ctx, m))
}

// afterInsert sends the writes that follow a message insert in one round
// trip: the parent's reply count, mentions and attachment links. It sets
// m.Mentions (distinct users, by id) and m.Attachments (full files, in the
// order given).
func (q *queries) afterInsert(ctx context.Context, m *model.Message) error {
	b := &pgx.Batch{}
	if m.ReplyTo != nil {
		b.Queue(`UPDATE messages SET reply_count = reply_count + 1 WHERE id = $1 AND chat_id = $2`, *m.ReplyTo, m.ChatID).
			Exec(func(tag pgconn.CommandTag) error {
				if tag.RowsAffected() == 0 {
					return notFound("reply_to message in this chat")
				}
				return nil
			})
	}
	mentions := distinct(m.Mentions)
	m.Mentions = []int64{}
	if len(mentions) > 0 {
		b.Queue(`WITH ins AS (`+insertMentions+` RETURNING user_id)
			SELECT coalesce(array_agg(user_id ORDER BY user_id), '{}') FROM ins`, m.ID, m.ChatID, mentions).
			QueryRow(func(row pgx.Row) error {
				if err := row.Scan(&m.Mentions); err != nil {
					return err
				}
				return allMentioned(len(mentions), len(m.Mentions))
			})
	}
	files := attachmentIDs(m.Attachments)
	m.Attachments = []model.File{}
	if len(files) > 0 {
		b.Queue(`WITH ins AS (INSERT INTO message_files (message_id, file_id, position)
				SELECT $1, f.id, a.ord FROM unnest($2::bigint[]) WITH ORDINALITY AS a (id, ord)
				JOIN files f ON f.id = a.id AND f.workspace_id = $3
				RETURNING file_id, position)
			SELECT `+fileCols+` FROM ins JOIN files f ON f.id = ins.file_id ORDER BY ins.position`,
			m.ID, files, m.WorkspaceID).
			Query(func(rows pgx.Rows) error { return scanFiles(rows, m, len(files)) })
	}
	if b.Len() == 0 {
		return nil
	}
	return q.db.SendBatch(ctx, b).Close()
}

// scanFiles reads the attached files into m; all want of them must have
// been in the message's workspace.
func scanFiles(rows pgx.Rows, m *model.Message, want int) error {
	for rows.Next() {
		var f model.File
		if err := rows.Scan(fileDest(&f)...); err != nil {
			return err
		}
		m.Attachments = append(m.Attachments, f)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(m.Attachments) != want {
		return notFound("attachment in this workspace")
	}
	return nil
}

// insertMentions stores mentions of message $1 in chat $2 of the users in
// $3 that exist; allMentioned then turns a missing user into ErrNotFound
// (as a foreign key would, without aborting the transaction).
const insertMentions = `INSERT INTO mentions (message_id, user_id, chat_id)
	SELECT $1, u.id, $2 FROM users u WHERE u.id = ANY($3::bigint[])
	ON CONFLICT DO NOTHING`

// allMentioned checks that every distinct mentioned user was stored.
func allMentioned(want, stored int) error {
	if stored != want {
		return notFound("mentioned user")
	}
	return nil
}

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// attachmentIDs returns the distinct file ids, in order.
func attachmentIDs(files []model.File) []int64 {
	ids := make([]int64, len(files))
	for i, f := range files {
		ids[i] = f.ID
	}
	return distinct(ids)
}

// messageByClientID loads the message a sender already sent with clientID,
// hydrated for the sender.
func (q *queries) messageByClientID(ctx context.Context, chatID, senderID int64, clientID string) (model.Message, error) {
	msgs, err := q.queryMessages(ctx, "message by client id", `SELECT `+messageCols+`
		FROM messages m JOIN users u ON u.id = m.sender_id
		WHERE m.chat_id = $1 AND m.sender_id = $2 AND m.client_id = $3 AND m.client_id <> ''`,
		chatID, senderID, clientID)
	if err != nil {
		return model.Message{}, err
	}
	if len(msgs) == 0 {
		return model.Message{}, conflict("create message: seq taken")
	}
	if err := q.hydrate(ctx, senderID, msgs); err != nil {
		return model.Message{}, err
	}
	return msgs[0], nil
}
